package eventtest

import (
	"time"

	"github.com/tinylib/msgp/msgp"

	"github.com/auditx/auditx/internal/mp"
)

// Wire bytes of an event (msgpack spec; Forward protocol spec v1
// "EventTime Ext Format"; Fluent Bit v5.1.1
// src/flb_log_event_encoder_primitives.c
// flb_log_event_encoder_append_forward_v1_timestamp).
const (
	// FixArray2 is the fixarray header of two elements: the event
	// [header|time, body] and the v2 header [time, meta].
	FixArray2 = 0x92
	// Fixext8 starts an EventTime: fixext 8, then the ext type, then 8 bytes.
	Fixext8 = 0xd7
	// Uint32 starts a msgpack uint32 (an integer event time).
	Uint32 = 0xce
)

// Group marker seconds, as EventTime seconds (mp.GroupStartSeconds,
// mp.GroupEndSeconds).
const (
	GroupStartSeconds uint32 = mp.GroupStartSeconds
	GroupEndSeconds   uint32 = mp.GroupEndSeconds
)

// EmptyMap is the msgpack fixmap with 0 entries: {}.
var EmptyMap = []byte{0x80}

// AppendTime appends an EventTime:
//
//	0xd7                 fixext 8
//	0x00                 ext type 0: EventTime
//	s s s s              seconds, uint32 big-endian
//	n n n n              nanoseconds, uint32 big-endian
func AppendTime(b []byte, sec, nsec uint32) []byte {
	return append(b, Fixext8, mp.EventTimeExtType,
		byte(sec>>24), byte(sec>>16), byte(sec>>8), byte(sec),
		byte(nsec>>24), byte(nsec>>16), byte(nsec>>8), byte(nsec))
}

// AppendTimeOf appends t as an EventTime (AppendTime of its Unix seconds,
// truncated to 32 bits, and nanoseconds).
func AppendTimeOf(b []byte, t time.Time) []byte {
	return AppendTime(b, uint32(t.Unix()), uint32(t.Nanosecond()))
}

// V2 returns one Fluent Bit v2 event [[EventTime(sec, nsec), meta], body];
// a nil meta is {}:
//
//	0x92                 fixarray(2): the event
//	0x92                 fixarray(2): the header
//	0xd7 0x00 s*4 n*4    EventTime (AppendTime)
//	meta                 the metadata map
//	body                 the record
func V2(sec, nsec uint32, meta, body []byte) []byte {
	if meta == nil {
		meta = EmptyMap
	}
	b := make([]byte, 0, 2+10+len(meta)+len(body))
	b = append(b, FixArray2, FixArray2)
	b = AppendTime(b, sec, nsec)
	b = append(b, meta...)
	return append(b, body...)
}

// V1 returns one legacy event [EventTime(sec, nsec), body]:
//
//	0x92                 fixarray(2): the event
//	0xd7 0x00 s*4 n*4    EventTime (AppendTime)
//	body                 the record
func V1(sec, nsec uint32, body []byte) []byte {
	b := make([]byte, 0, 1+10+len(body))
	b = append(b, FixArray2)
	b = AppendTime(b, sec, nsec)
	return append(b, body...)
}

// V1Int returns one legacy event [sec, body] with the time a msgpack uint32
// whatever its value:
//
//	0x92                 fixarray(2): the event
//	0xce t t t t         uint32 big-endian seconds
//	body                 the record
func V1Int(sec uint32, body []byte) []byte {
	b := []byte{FixArray2, Uint32, byte(sec >> 24), byte(sec >> 16), byte(sec >> 8), byte(sec)}
	return append(b, body...)
}

// V1Uint returns one legacy event [sec, body] with the time in msgpack's
// smallest unsigned encoding (a positive fixint below 128, else uint8 to
// uint64), as old Forward clients send it:
//
//	0x92                 fixarray(2): the event
//	sec                  msgp.AppendUint64
//	body                 the record
func V1Uint(sec uint64, body []byte) []byte {
	b := []byte{FixArray2}
	b = msgp.AppendUint64(b, sec)
	return append(b, body...)
}

// GroupStart returns a group start record [[EventTime(0xFFFFFFFF, 0), meta],
// attrs] (src/flb_log_event_encoder.c flb_log_event_encoder_group_init);
// nil maps are {}.
func GroupStart(meta, attrs []byte) []byte {
	if attrs == nil {
		attrs = EmptyMap
	}
	return V2(GroupStartSeconds, 0, meta, attrs)
}

// GroupEnd returns a group end record [[EventTime(0xFFFFFFFE, 0), {}], {}]
// (flb_log_event_encoder_group_end).
func GroupEnd() []byte {
	return V2(GroupEndSeconds, 0, EmptyMap, EmptyMap)
}
