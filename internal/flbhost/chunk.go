package flbhost

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tinylib/msgp/msgp"

	"github.com/auditx/auditx/internal/eventtest"
	"github.com/auditx/auditx/internal/mpjson"
)

// Map encodes m as a msgpack map with keys sorted at every level (through
// mpjson), so fixtures are deterministic.
func Map(m map[string]any) ([]byte, error) {
	if m == nil {
		return append([]byte(nil), eventtest.EmptyMap...), nil
	}
	return mpjson.New().Encode(m)
}

// MustMap is Map that panics on error, for fixtures.
func MustMap(m map[string]any) []byte {
	b, err := Map(m)
	if err != nil {
		panic(err)
	}
	return b
}

// Sample is a chunk built from a JSON lines file.
type Sample struct {
	// Path is the file read.
	Path string
	// Chunk holds the v2 events, concatenated, as Fluent Bit flushes them.
	Chunk []byte
	// Events describes each event of Chunk, in order.
	Events []SampleEvent
}

// SampleEvent is one event of a Sample.
type SampleEvent struct {
	// Line is the 1-based line of the file the body came from.
	Line int
	// Sec and Nsec are the event's EventTime.
	Sec, Nsec uint32
	// Meta is the encoded metadata map: {"source": <file base name>}.
	Meta []byte
	// Body is the encoded record: the JSON line as msgpack.
	Body []byte
	// Raw is the whole encoded event, as found in Chunk.
	Raw []byte
}

// SampleEpoch is the EventTime seconds of a Sample's first event
// (2026-11-20T08:14:00Z, the day of the sample logs); event i has seconds
// SampleEpoch+i and nanoseconds 1000*i+1, so every event's time is distinct
// and increasing and a lost nanosecond field shows.
const SampleEpoch uint32 = 1795162440

// ChunkFromJSONLines reads a JSON lines file (one record per line, blank
// lines skipped; testdata/samples/<vendor>.log) and returns it as a chunk of
// v2 events with increasing times and metadata {"source": <file base name>},
// the bodies converted by mpjson.
func ChunkFromJSONLines(path string) (*Sample, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	conv := mpjson.New()
	meta, err := conv.Encode(map[string]any{"source": filepath.Base(path)})
	if err != nil {
		return nil, err
	}
	s := &Sample{Path: path}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		body, err := conv.ToMsgpack(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if msgp.NextType(body) != msgp.MapType {
			return nil, fmt.Errorf("%s:%d: record is a %s, want a JSON object", path, line, msgp.NextType(body))
		}
		i := uint32(len(s.Events))
		ev := SampleEvent{Line: line, Sec: SampleEpoch + i, Nsec: 1000*i + 1, Meta: meta, Body: body}
		ev.Raw = eventtest.V2(ev.Sec, ev.Nsec, meta, body)
		s.Chunk = append(s.Chunk, ev.Raw...)
		s.Events = append(s.Events, ev)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// Raw slices point into Chunk only once it stops growing.
	off := 0
	for i := range s.Events {
		n := len(s.Events[i].Raw)
		s.Events[i].Raw = s.Chunk[off : off+n]
		off += n
	}
	return s, nil
}
