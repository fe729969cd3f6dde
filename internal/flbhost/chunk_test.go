package flbhost

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/internal/forwardtest"
)

func TestMapIsSorted(t *testing.T) {
	got := MustMap(map[string]any{"b": 1, "a": map[string]any{"y": "z", "x": true}})
	require.Equal(t, []byte{
		0x82,      // fixmap, 2 pairs, keys sorted
		0xa1, 'a', // "a"
		0x82,      //   fixmap, 2 pairs
		0xa1, 'x', //   "x"
		0xc3,      //   true
		0xa1, 'y', //   "y"
		0xa1, 'z', //   "z"
		0xa1, 'b', // "b"
		0x01, // 1
	}, got)
	empty, err := Map(nil)
	require.NoError(t, err)
	require.Equal(t, []byte{0x80}, empty) // fixmap, 0 pairs
}

func TestChunkFromJSONLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tiny.log")
	require.NoError(t, os.WriteFile(path, []byte("{\"a\": \"b\"}\n\n{\"n\": 7}\n"), 0o644))
	s, err := ChunkFromJSONLines(path)
	require.NoError(t, err)
	require.Len(t, s.Events, 2, "the blank line is skipped")

	meta := []byte{
		0x81,                               // fixmap, 1 pair
		0xa6, 's', 'o', 'u', 'r', 'c', 'e', // fixstr(6) "source"
		0xa8, 't', 'i', 'n', 'y', '.', 'l', 'o', 'g', // fixstr(8) "tiny.log"
	}
	want := []byte{
		// event 0, line 1
		0x92,       // fixarray(2): [header, body]
		0x92,       //   fixarray(2): [time, metadata]
		0xd7, 0x00, //     fixext8, ext type 0
		0x6b, 0x00, 0x01, 0x48, //     seconds 1795162440 (SampleEpoch + 0)
		0x00, 0x00, 0x00, 0x01, //     nanoseconds 1 (1000*0 + 1)
	}
	want = append(want, meta...)                    //     metadata {"source": "tiny.log"}
	want = append(want, 0x81, 0xa1, 'a', 0xa1, 'b') //   body {"a": "b"}
	want = append(want,
		// event 1, line 3
		0x92,       // fixarray(2): [header, body]
		0x92,       //   fixarray(2): [time, metadata]
		0xd7, 0x00, //     fixext8, ext type 0
		0x6b, 0x00, 0x01, 0x49, //     seconds 1795162441 (SampleEpoch + 1)
		0x00, 0x00, 0x03, 0xe9, //     nanoseconds 1001 (1000*1 + 1)
	)
	want = append(want, meta...)               //     metadata {"source": "tiny.log"}
	want = append(want, 0x81, 0xa1, 'n', 0x07) //   body {"n": 7}
	require.Equal(t, want, s.Chunk)

	require.Equal(t, 1, s.Events[0].Line)
	require.Equal(t, 3, s.Events[1].Line)
	evs, err := forwardtest.SplitEvents("t", forwardtest.ModePackedForward, s.Chunk)
	require.NoError(t, err)
	for i, ev := range evs {
		require.Equal(t, s.Events[i].Raw, ev.Raw)
		require.True(t, time.Unix(int64(s.Events[i].Sec), int64(s.Events[i].Nsec)).Equal(ev.Time))
		require.Equal(t, map[string]any{"source": "tiny.log"}, ev.Meta)
	}

	t.Run("not an object", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.log")
		require.NoError(t, os.WriteFile(bad, []byte("{}\n[1]\n"), 0o644))
		_, err := ChunkFromJSONLines(bad)
		require.ErrorContains(t, err, "bad.log:2")
	})
	t.Run("sample logs", func(t *testing.T) {
		files, err := filepath.Glob(filepath.Join(moduleRootT(t), "testdata", "samples", "*.log"))
		require.NoError(t, err)
		require.NotEmpty(t, files)
		for _, f := range files {
			s, err := ChunkFromJSONLines(f)
			require.NoError(t, err, f)
			require.NotEmpty(t, s.Events, f)
			evs, err := forwardtest.SplitEvents("t", forwardtest.ModePackedForward, s.Chunk)
			require.NoError(t, err, f)
			require.Len(t, evs, len(s.Events), f)
		}
	})
}
