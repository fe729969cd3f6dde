//go:build linux && passthrough

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tinylib/msgp/msgp"

	"github.com/auditx/auditx/internal/benchpad"
	"github.com/auditx/auditx/internal/eventtest"
	"github.com/auditx/auditx/internal/forwardtest"
	"github.com/auditx/auditx/outputdoor/forward"
)

// The pass-through benchmark build of the filter door (go test -tags
// passthrough ./e2e; make e2e runs the package with the tag): what make
// bench-pipeline's pipelines FP and FP<N> load.

var (
	passOnce sync.Once
	passDir  string
	passErr  error
)

// passthroughFilterSO builds the benchmark build once per test binary run,
// as make bench-pipeline lays it out (flb-filter_auditx_passthrough.so),
// and returns its path.
func passthroughFilterSO(t testing.TB) string {
	t.Helper()
	root := moduleRoot(t)
	passOnce.Do(func() {
		if passDir, passErr = os.MkdirTemp("", "auditx-e2e-passthrough"); passErr != nil {
			return
		}
		buildDirs = append(buildDirs, passDir)
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-tags", "passthrough", "-buildmode=c-shared",
			"-o", filepath.Join(passDir, "flb-filter_auditx_passthrough.so"), "./plugin")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
		if b, err := cmd.CombinedOutput(); err != nil {
			passErr = fmt.Errorf("go build -tags passthrough -buildmode=c-shared ./plugin: %w\n%s", err, b)
		}
	})
	require.NoError(t, passErr)
	return filepath.Join(passDir, "flb-filter_auditx_passthrough.so")
}

// passthroughEvents are events of many shapes, each with its own time
// (nanoseconds included) and metadata.
func passthroughEvents() [][]byte {
	nested := msgp.AppendMapHeader(nil, 2)
	nested = msgp.AppendString(nested, "user")
	nested = msgp.AppendString(nested, "ålice ☃")
	nested = msgp.AppendString(nested, "ids")
	nested = appendArrayIntf(nested, int64(-7), uint64(1)<<40, 3.25, true, nil)
	rich := msgp.AppendMapHeader(nil, 4)
	rich = msgp.AppendString(rich, "message")
	rich = append(rich, nested...)
	rich = msgp.AppendString(rich, "bin")
	rich = msgp.AppendBytes(rich, []byte{0, 1, 2, 0xff})
	rich = msgp.AppendString(rich, "n")
	rich = msgp.AppendInt64(rich, -1)
	rich = msgp.AppendString(rich, "long")
	rich = msgp.AppendString(rich, string(make([]byte, 300)))
	fifteen := msgp.AppendMapHeader(nil, 15) // the pad turns its fixmap into a map16
	for i := range 15 {
		fifteen = msgp.AppendString(fifteen, "k"+strconv.Itoa(i))
		fifteen = msgp.AppendInt(fifteen, i)
	}
	bodies := [][]byte{rich, fifteen, eventtest.EmptyMap, msgp.AppendString(nil, "not a map")}
	var events [][]byte
	base := time.Unix(1763626440, 0)
	for i, b := range bodies {
		ts := base.Add(time.Duration(i+1)*time.Second + time.Duration(i+1)*1001*time.Nanosecond)
		events = append(events, eventtest.V2(uint32(ts.Unix()), uint32(ts.Nanosecond()), appendMap(nil, "e2e_case", strconv.Itoa(i)), b))
	}
	return events
}

// TestFilterPassthrough runs the benchmark build in the real Fluent Bit: a
// Go Forward client → in_forward → [FILTER] auditx_passthrough →
// out_forward → the forwardtest receiver. Without pad every event comes
// out byte for byte as it was sent; with pad 100 every record whose body is
// a map comes out exactly 100 bytes longer (its pairs verbatim, then _pad),
// and the others as they were.
func TestFilterPassthrough(t *testing.T) {
	fluentBitBin(t)
	so := passthroughFilterSO(t)
	const pad = 100
	dir := runDir(t)
	rcv := anyBodyReceiver(t)
	inPort := freePort(t)
	conf := renderConfig(
		service(t, dir),
		sec("INPUT", "Name", "forward", "Listen", "127.0.0.1", "Port", strconv.Itoa(inPort)),
		sec("FILTER", "Name", "auditx_passthrough", "Match", "pass.zero"),
		sec("FILTER", "Name", "auditx_passthrough", "Alias", "padded", "Match", "pass.pad", "pad", strconv.Itoa(pad)),
		forwardOutputTo("pass.*", rcv),
	)
	fb := startFluentBit(t, dir, fbOptions{Config: conf, Library: so})
	fb.WaitLog(t, fmt.Sprintf("listening on 127.0.0.1:%d", inPort), 10*time.Second)
	fb.WaitLog(t, "[filter:auditx_passthrough:padded] the pass-through benchmark build: every append answered MODIFIED, each record 100 bytes longer", 5*time.Second)

	events := passthroughEvents()
	var batch []byte
	for _, ev := range events {
		batch = append(batch, ev...)
	}
	client, err := forward.NewClient(forward.Config{
		Network: "tcp", Address: "127.0.0.1:" + strconv.Itoa(inPort),
		RequireAck: true, Timeout: 5 * time.Second, MaxConns: 1,
	})
	require.NoError(t, err)
	defer client.Close()
	for _, tag := range []string{"pass.zero", "pass.pad"} {
		require.NoError(t, client.Send(tag, batch, len(events)), "in_forward must acknowledge %s", tag)
	}

	rcv.WaitFor(t, 2*len(events), 30*time.Second)
	fb.RequireHealthy(t)
	fb.StopClean(t)
	require.Empty(t, rcv.Errors(), "receiver errors")
	got := map[string][]forwardtest.Event{}
	for _, ev := range rcv.Events() {
		got[ev.Tag] = append(got[ev.Tag], ev)
	}
	require.Len(t, got["pass.zero"], len(events))
	require.Len(t, got["pass.pad"], len(events))
	for i, ev := range events {
		require.Equal(t, ev, got["pass.zero"][i].Raw, "event %d: byte for byte as sent", i)
		want, padded := benchpad.AppendChunk(nil, ev, pad)
		require.Equal(t, want, got["pass.pad"][i].Raw, "event %d: padded", i)
		if padded == 1 {
			require.Len(t, got["pass.pad"][i].Raw, len(ev)+pad, "event %d: exactly %d bytes more", i, pad)
			b := decodeMap(t, got["pass.pad"][i].RawBody)
			require.IsType(t, "", b[benchpad.Key], "event %d: the pad pair", i)
		} else {
			require.Equal(t, ev, got["pass.pad"][i].Raw, "event %d: not a map, unchanged", i)
		}
	}
}
