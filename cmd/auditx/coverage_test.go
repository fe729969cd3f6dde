package main

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/internal/eventtest"
	"github.com/auditx/auditx/internal/mpjson"
	"github.com/auditx/auditx/internal/samples"
)

func TestCoverageSamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "samples", "*.log"))
	require.NoError(t, err)
	require.Len(t, files, 4)
	out, errOut, code := runCLI(t, "", append([]string{"coverage", "--json"}, files...)...)
	require.Equal(t, exitOK, code, errOut)
	var rep coverageReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.EqualValues(t, samples.MustTotal(t), rep.Records)
	// Each vendor's sample has one deliberately unknown code; FilingBox's has
	// one record without a code.
	for _, v := range samples.Vendors {
		n, err := samples.Count(v)
		require.NoError(t, err)
		if v == "filingbox" {
			n--
		}
		assert.EqualValues(t, n-1, rep.Vendors[v].Recognised, v)
		assert.EqualValues(t, 1, rep.Vendors[v].Unknown, v)
	}
	assert.EqualValues(t, 1, rep.NoCode)
	assert.Len(t, rep.TopUnknown, 4)
	// Every PrivX code a current installation logs is known: the one unknown
	// is the sample's deliberately unlisted code.
	for _, u := range rep.TopUnknown {
		if u.Vendor == "privx" {
			assert.Equal(t, "2399", u.Code)
		}
	}

	text, _, code := runCLI(t, "", append([]string{"coverage"}, files...)...)
	require.Equal(t, exitOK, code)
	assert.Contains(t, text, "netop DEVICE.TELEPORT: 1")
}

// A Fluent Bit filesystem chunk (chunkio): header, metadata, events.
func TestCoverageChunkFile(t *testing.T) {
	conv := mpjson.New()
	body, err := conv.ToMsgpack([]byte(`{"event_id":"100","event_name":"User-logged-in"}`))
	require.NoError(t, err)
	unknown, err := conv.ToMsgpack([]byte(`{"event_type":"4999"}`))
	require.NoError(t, err)
	ev := func(sec uint32, b []byte) []byte { return eventtest.V2(sec, 0, eventtest.EmptyMap, b) }
	events := append(ev(1, body), ev(2, unknown)...)
	events = append(events, ev(0xFFFFFFFF, []byte{0x80})...) // group start: not a record
	meta := []byte("audit.privx")
	hdr := make([]byte, 24)
	hdr[0], hdr[1] = 0xc1, 0x00                               // chunkio id
	binary.BigEndian.PutUint32(hdr[10:], uint32(len(events))) // content length
	binary.BigEndian.PutUint16(hdr[22:], uint16(len(meta)))   // metadata length
	file := append(append(hdr, meta...), events...)
	file = append(file, make([]byte, 100)...) // mmap padding
	p := filepath.Join(t.TempDir(), "1-123.flb")
	require.NoError(t, os.WriteFile(p, file, 0o644))

	out, errOut, code := runCLI(t, "", "coverage", "--json", p)
	require.Equal(t, exitOK, code, errOut)
	var rep coverageReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.EqualValues(t, 2, rep.Records)
	assert.EqualValues(t, 1, rep.Vendors["privx"].Recognised)
	assert.EqualValues(t, 1, rep.Vendors["plusauth"].Unknown)
}

func TestCoverageErrors(t *testing.T) {
	_, _, code := runCLI(t, "", "coverage")
	assert.Equal(t, exitUsage, code)
	_, errOut, code := runCLI(t, "", "coverage", filepath.Join(t.TempDir(), "missing.log"))
	assert.Equal(t, exitFail, code)
	assert.Contains(t, errOut, "missing.log")
}
