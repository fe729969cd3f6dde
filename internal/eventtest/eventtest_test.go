package eventtest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/internal/eventtest"
	"github.com/auditx/auditx/internal/forwardtest"
)

// bodyAB is {"a": "b"}.
var bodyAB = []byte{
	0x81,      // fixmap, 1 pair
	0xa1, 'a', // fixstr(1) "a"
	0xa1, 'b', // fixstr(1) "b"
}

// metaSrc is {"src": 1}.
var metaSrc = []byte{
	0x81,                // fixmap, 1 pair
	0xa3, 's', 'r', 'c', // fixstr(3) "src"
	0x01, // positive fixint 1
}

func TestEventBuilders(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want []byte
	}{
		{"v2 event", eventtest.V2(1704983552, 123456789, metaSrc, bodyAB), []byte{
			0x92,       // fixarray(2): [header, body]
			0x92,       //   fixarray(2): [time, metadata]
			0xd7, 0x00, //     fixext8, ext type 0 (EventTime)
			0x65, 0x9f, 0xfc, 0x00, //     seconds 1704983552 (0x659ffc00), big-endian
			0x07, 0x5b, 0xcd, 0x15, //     nanoseconds 123456789, big-endian
			0x81, 0xa3, 's', 'r', 'c', 0x01, //     metadata {"src": 1}
			0x81, 0xa1, 'a', 0xa1, 'b', //   body {"a": "b"}
		}},
		{"v2 event, nil metadata is {}", eventtest.V2(1, 2, nil, bodyAB), []byte{
			0x92,       // fixarray(2): [header, body]
			0x92,       //   fixarray(2): [time, metadata]
			0xd7, 0x00, //     fixext8, ext type 0
			0x00, 0x00, 0x00, 0x01, //     seconds 1
			0x00, 0x00, 0x00, 0x02, //     nanoseconds 2
			0x80,                       //     metadata {}
			0x81, 0xa1, 'a', 0xa1, 'b', //   body {"a": "b"}
		}},
		{"v1 event", eventtest.V1(1, 2, bodyAB), []byte{
			0x92,       // fixarray(2): [time, body]
			0xd7, 0x00, //   fixext8, ext type 0
			0x00, 0x00, 0x00, 0x01, //   seconds 1
			0x00, 0x00, 0x00, 0x02, //   nanoseconds 2
			0x81, 0xa1, 'a', 0xa1, 'b', //   body {"a": "b"}
		}},
		{"integer time", eventtest.V1Uint(1704983552, bodyAB), []byte{
			0x92,                         // fixarray(2): [time, body]
			0xce, 0x65, 0x9f, 0xfc, 0x00, //   uint32 1704983552 (0x659ffc00)
			0x81, 0xa1, 'a', 0xa1, 'b', //   body {"a": "b"}
		}},
		{"integer time, small", eventtest.V1Uint(5, bodyAB), []byte{
			0x92,                       // fixarray(2): [time, body]
			0x05,                       //   positive fixint 5
			0x81, 0xa1, 'a', 0xa1, 'b', //   body {"a": "b"}
		}},
		{"integer time, always uint32", eventtest.V1Int(5, bodyAB), []byte{
			0x92,                   // fixarray(2): [time, body]
			0xce, 0x00, 0x00, 0x00, //   uint32
			0x05,                       //   5
			0x81, 0xa1, 'a', 0xa1, 'b', //   body {"a": "b"}
		}},
		{"EventTime of a time.Time", eventtest.AppendTimeOf(nil, time.Unix(1704983552, 123456789)), []byte{
			0xd7, 0x00, // fixext8, ext type 0
			0x65, 0x9f, 0xfc, 0x00, // seconds 1704983552
			0x07, 0x5b, 0xcd, 0x15, // nanoseconds 123456789
		}},
		{"group start", eventtest.GroupStart(metaSrc, bodyAB), []byte{
			0x92,       // fixarray(2): [header, attributes]
			0x92,       //   fixarray(2): [time, group metadata]
			0xd7, 0x00, //     fixext8, ext type 0
			0xff, 0xff, 0xff, 0xff, //     seconds 0xFFFFFFFF (FLB_LOG_EVENT_GROUP_START)
			0x00, 0x00, 0x00, 0x00, //     nanoseconds 0
			0x81, 0xa3, 's', 'r', 'c', 0x01, //     group metadata {"src": 1}
			0x81, 0xa1, 'a', 0xa1, 'b', //   group attributes {"a": "b"}
		}},
		{"group start, nil maps", eventtest.GroupStart(nil, nil), []byte{
			0x92,       // fixarray(2): [header, attributes]
			0x92,       //   fixarray(2): [time, group metadata]
			0xd7, 0x00, //     fixext8, ext type 0
			0xff, 0xff, 0xff, 0xff, //     seconds 0xFFFFFFFF
			0x00, 0x00, 0x00, 0x00, //     nanoseconds 0
			0x80, //     {}
			0x80, //   {}
		}},
		{"group end", eventtest.GroupEnd(), []byte{
			0x92,       // fixarray(2): [header, body]
			0x92,       //   fixarray(2): [time, metadata]
			0xd7, 0x00, //     fixext8, ext type 0
			0xff, 0xff, 0xff, 0xfe, //     seconds 0xFFFFFFFE (FLB_LOG_EVENT_GROUP_END)
			0x00, 0x00, 0x00, 0x00, //     nanoseconds 0
			0x80, //     metadata {}
			0x80, //   body {}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.got)
			if tt.got[0] != 0x92 {
				return // a time alone, not an event
			}
			ev, err := forwardtest.DecodeEvent(tt.got)
			require.NoError(t, err, "forwardtest decodes it as in_forward would")
			require.Equal(t, tt.got, ev.Raw)
		})
	}
}
