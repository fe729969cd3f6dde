package keyname

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/internal/mp"
	"github.com/auditx/auditx/internal/orderedmp"
)

func TestAppend(t *testing.T) {
	for _, tc := range []struct{ key, want string }{
		// Issue 20's examples.
		{"userId", "user_id"},
		{"userID", "user_id"},
		{"remoteAddress", "remote_address"},
		{"HTTPServer", "http_server"},
		{"SSH-PrivX-service", "ssh_priv_x_service"},
		{"Client IP", "client_ip"},
		{"Event name", "event_name"},
		{"actionTimestamp", "action_timestamp"},
		// Already normal.
		{"user_id", "user_id"},
		{"a", "a"},
		// Digits: no split after a letter or before a lower-case letter,
		// a split before an upper-case letter.
		{"ipv4Addr", "ipv4_addr"},
		{"v2Name", "v2_name"},
		{"sha256", "sha256"},
		{"SHA256Hash", "sha256_hash"},
		{"2fa", "2fa"},
		{"2FA", "2_fa"},
		{"404", "404"},
		{"x86_64", "x86_64"},
		// The upper-upper-lower rule, as stated.
		{"IPv4Address", "i_pv4_address"},
		{"IDs", "i_ds"},
		{"ID", "id"},
		{"getHTTPResponseCode", "get_http_response_code"},
		{"ABCdef", "ab_cdef"},
		{"aB", "a_b"},
		{"AB", "ab"},
		{"Ab", "ab"},
		// Separators: every ASCII byte that is not a letter or digit.
		{"event.dataset", "event_dataset"},
		{"@timestamp", "timestamp"},
		{"a  b", "a_b"},
		{"a__b", "a_b"},
		{"a-_. b", "a_b"},
		{"  lead and trail  ", "lead_and_trail"},
		{"_private", "private"},
		{"a\tb\x00c\x7fd", "a_b_c_d"},
		{"a_B", "a_b"},
		{"a.B", "a_b"},
		// Non-ASCII bytes: kept, caseless.
		{"café", "café"},
		{"caféBar", "cafébar"},
		{"naïveBayes", "naïve_bayes"},
		{"Ünïcode", "Ünïcode"}, // ASCII letters only are lower-cased,
		{"名前", "名前"},
		{"名前ID", "名前id"},
		{"user 名前", "user_名前"},
		{"\xff\xfeA", "\xff\xfea"},
		// No word at all.
		{"", Empty},
		{"-", Empty},
		{"___", Empty},
		{" . ", Empty},
	} {
		t.Run(strconv.Quote(tc.key), func(t *testing.T) {
			got := Append([]byte("prefix:"), []byte(tc.key))
			require.Equal(t, "prefix:"+tc.want, string(got))
			require.Equal(t, tc.want, string(Append(nil, []byte(tc.want))), "idempotent")
			require.True(t, IsNormal([]byte(tc.want)))
		})
	}
}

func TestIsNormal(t *testing.T) {
	for _, s := range []string{"a", "a_b", "a1_2b", "é_x", Empty} {
		require.True(t, IsNormal([]byte(s)), s)
	}
	for _, s := range []string{"", "_", "_a", "a_", "a__b", "A", "a-b", "a.b", "a b"} {
		require.False(t, IsNormal([]byte(s)), s)
	}
}

func TestAppendNoAlloc(t *testing.T) {
	dst := make([]byte, 0, 256)
	key := []byte("SSH-PrivX-service")
	require.Zero(t, testing.AllocsPerRun(100, func() { dst = Append(dst[:0], key) }))
}

// mpOf is a test value written as JSON (key order kept).
func mpOf(js string) []byte { return orderedmp.MustFromJSON(js) }

func TestAppendValue(t *testing.T) {
	for _, tc := range []struct {
		name     string
		src, out []byte
	}{
		{"scalar", mpOf(`"x"`), mpOf(`"x"`)},
		{"flat", mpOf(`{"userId":1,"Client IP":"10.0.0.1","ok":true}`), mpOf(`{"user_id":1,"client_ip":"10.0.0.1","ok":true}`)},
		{"nested", mpOf(`{"Outer":{"innerKey":{"DeepKey":null}}}`), mpOf(`{"outer":{"inner_key":{"deep_key":null}}}`)},
		{"maps in arrays", mpOf(`{"List":[{"aB":1},[{"cD":2}],"eF"]}`), mpOf(`{"list":[{"a_b":1},[{"c_d":2}],"eF"]}`)},
		{"values untouched", mpOf(`{"k":"Value With Spaces","n":-1.5,"a":[1,"X",null]}`), mpOf(`{"k":"Value With Spaces","n":-1.5,"a":[1,"X",null]}`)},
		{"duplicates in record order", mpOf(`{"userId":1,"user_id":2,"USER_ID":3}`), mpOf(`{"user_id":1,"user_id_2":2,"user_id_3":3}`)},
		{"a suffix skips another key's name", mpOf(`{"a":1,"A":2,"a_2":3}`), mpOf(`{"a":1,"a_3":2,"a_2":3}`)},
		{"a suffix skips a later key's name", mpOf(`{"a":1,"A":2,"a_3":3,"a-2":4}`), mpOf(`{"a":1,"a_4":2,"a_3":3,"a_2":4}`)},
		{"two keys own a suffixed name", mpOf(`{"a":1,"A":2,"a_2":3,"a.2":4}`), mpOf(`{"a":1,"a_3":2,"a_2":3,"a_2_2":4}`)},
		{"empty names", mpOf(`{"":1,"-":2,"empty":3,"Empty_2":4}`), mpOf(`{"empty":1,"empty_3":2,"empty_4":3,"empty_2":4}`)},
		{"duplicates per map", mpOf(`{"a":{"x":1,"X":2},"b":{"x":3}}`), mpOf(`{"a":{"x":1,"x_2":2},"b":{"x":3}}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, end, err := AppendValue([]byte{0xc0}, tc.src, 0)
			require.NoError(t, err)
			require.Equal(t, len(tc.src), end)
			require.Equal(t, append([]byte{0xc0}, tc.out...), got)
			require.NoError(t, checkSame(tc.src, 0, got, 1, false))
		})
	}
}

// Keys that are not strings: their text, then the rule.
func TestAppendValueOtherKeys(t *testing.T) {
	b := mp.AppendMapHeader(nil, 12)
	b = append(mp.AppendInt(b, 7), 0x01)
	b = append(mp.AppendInt(b, -3), 0x02)
	b = append(mp.AppendUint(b, 1<<63), 0x03)
	b = append(b, 0xc3, 0x04)                                     // true
	b = append(b, 0xc0, 0x05)                                     // nil
	b = append(b, 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0x06)       // 1.5
	b = append(b, 0xc4, 0x06, 'b', 'i', 'n', 'K', 'e', 'y', 0x07) // bin "binKey"
	b = append(b, 0x81, 0xa1, 'k', 0x01, 0x08)                    // {"k":1}
	b = append(b, 0x92, 0x01, 0xa1, 'X', 0x09)                    // [1,"X"]
	b = append(b, 0xd7, 0x00, 0, 0, 0, 10, 0x20, 0, 0, 0, 0x0a)   // EventTime 10.536870912
	b = append(b, 0xd4, 0x05, 0xff, 0x0b)                         // fixext1 type 5: base64 "/w=="
	b = append(b, 0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 1, 0x0c)       // NaN: null, a duplicate
	want := mp.AppendMapHeader(nil, 12)
	for i, name := range []string{"7", "3", "9223372036854775808", "true", "null", "1_5", "bin_key", "k_1", "1_x", "10_536870912", "w", "null_2"} {
		want = append(mp.AppendStr(want, name), byte(i+1))
	}
	got, end, err := AppendValue(nil, b, 0)
	require.NoError(t, err)
	require.Equal(t, len(b), end)
	require.Equal(t, want, got)
	require.NoError(t, checkSame(b, 0, got, 0, false))
}

// Headers are copied as they are; a name's str header is its shortest.
func TestAppendValueHeaders(t *testing.T) {
	long := "someVeryLongKeyNameThatNeedsMoreThanThirtyOneBytes"
	b := []byte{0xde, 0x00, 0x02} // map16 of 2 pairs
	b = mp.AppendStr(b, long)
	b = append(b, 0xdc, 0x00, 0x01, 0x01) // array16 of 1
	b = append(b, 0xd9, 0x01, 'A')        // str8 key "A"
	b = append(b, 0xdf, 0, 0, 0, 0)       // map32 of 0
	got, _, err := AppendValue(nil, b, 0)
	require.NoError(t, err)
	name := Append(nil, []byte(long))
	require.Greater(t, len(name), 31)
	want := []byte{0xde, 0x00, 0x02, 0xd9, byte(len(name))}
	want = append(want, name...)
	want = append(want, 0xdc, 0x00, 0x01, 0x01, 0xa1, 'a', 0xdf, 0, 0, 0, 0)
	require.Equal(t, want, got)

	for _, n := range []int{31, 32, 255, 256, 65535, 65536} {
		key := bytes.Repeat([]byte{'k'}, n)
		src := append(mp.AppendStr([]byte{0x81}, key), 0x01)
		got, _, err := AppendValue(nil, src, 0)
		require.NoError(t, err)
		require.Equal(t, src, got, "a %d-byte name", n)
	}
}

// A map larger than SmallMap takes the allocating bookkeeping: same result.
func TestAppendValueLargeMap(t *testing.T) {
	for _, n := range []int{SmallMap, SmallMap + 1, 200, 3000} {
		src := mp.AppendMapHeader(nil, n)
		want := mp.AppendMapHeader(nil, n)
		// Keys k0, K0, k1, K1, ...: every second one a duplicate; plus a
		// literal k0_2 at the end that keeps its name.
		for i := range n {
			key := fmt.Sprintf("k%d", i/2)
			name := key
			if i%2 == 1 {
				key = fmt.Sprintf("K%d", i/2)
				name = fmt.Sprintf("k%d_2", i/2)
				if i/2 == 0 {
					name = "k0_3"
				}
			}
			if i == n-1 {
				key, name = "k0_2", "k0_2"
			}
			src = append(mp.AppendStr(src, key), 0x01)
			want = append(mp.AppendStr(want, name), 0x01)
		}
		got, end, err := AppendValue(nil, src, 0)
		require.NoError(t, err, n)
		require.Equal(t, len(src), end)
		require.Equal(t, string(want), string(got), n)
		require.NoError(t, checkSame(src, 0, got, 0, false))
	}
}

func TestAppendValueErrors(t *testing.T) {
	valid := mpOf(`{"userId":[1,{"aB":"x"}],"s":"str"}`)
	for n := range len(valid) {
		got, _, err := AppendValue([]byte("keep"), valid[:n], 0)
		require.ErrorIs(t, err, mp.ErrShort, "%d of %d bytes", n, len(valid))
		require.Equal(t, "keep", string(got), "dst as it was given")
	}
	for _, bad := range [][]byte{{0xc1}, {0x81, 0xc1, 0x01}, {0x91, 0xc1}, {0x81, 0xa1, 'a', 0xc1}} {
		_, _, err := AppendValue(nil, bad, 0)
		require.ErrorIs(t, err, mp.ErrMalformed, "% x", bad)
		require.NotErrorIs(t, err, mp.ErrShort, "% x", bad)
	}
	_, _, err := AppendValue(nil, valid, -1)
	require.ErrorIs(t, err, mp.ErrMalformed)
	_, _, err = AppendValue(nil, valid, len(valid))
	require.ErrorIs(t, err, mp.ErrShort)
	_, _, err = AppendValue(nil, []byte{0xdf, 0xff, 0xff, 0xff, 0x00, 0xa1, 'a'}, 0) // claims 2^31 pairs
	require.ErrorIs(t, err, mp.ErrShort)

	// Depth: MaxDepth containers pass, one more does not (maps and arrays
	// alike, and a key that is itself too deep for mp.AppendJSON).
	deep := func(levels int, mapLevel bool) []byte {
		var b []byte
		for range levels {
			if mapLevel {
				b = append(b, 0x81, 0xa1, 'K')
			} else {
				b = append(b, 0x91)
			}
		}
		return append(b, 0x01)
	}
	for _, asMap := range []bool{false, true} {
		src := deep(MaxDepth, asMap)
		_, end, err := AppendValue(nil, src, 0)
		require.NoError(t, err)
		require.Equal(t, len(src), end)
		_, _, err = AppendValue(nil, deep(MaxDepth+1, asMap), 0)
		require.ErrorIs(t, err, ErrTooDeep)
	}
	key := append([]byte{0x81}, deep(600, false)...)
	_, _, err = AppendValue(nil, append(key, 0x01), 0)
	require.ErrorIs(t, err, ErrTooDeep)
}

func TestAppendValueNoAlloc(t *testing.T) {
	src := mpOf(`{"SSH-PrivX-service":"x","userId":[1,{"aB":"x","AB":2,"a_b":3}],"Client IP":"10.0.0.1","details":{"client_id":"c"}}`)
	src[0] += 2                                     // two more pairs, keys not strings:
	src = append(src, 0xd0, 0xfd, 0xc3, 0xc3, 0xc2) // -3: true, true: false
	dst := make([]byte, 0, 4*len(src))
	require.Zero(t, testing.AllocsPerRun(100, func() {
		var err error
		var end int
		if dst, end, err = AppendValue(dst[:0], src, 0); err != nil || end != len(src) {
			panic(err)
		}
	}))
}

// checkSame walks the input value at src[si] and AppendValue's output at
// out[oi] side by side: the same headers and leaves byte for byte; every
// output key a normal, unique-in-its-map str that is the name of its input
// key, or that name with a "_<n>" suffix (n >= 2) when the name is taken
// (never, when noSuffix). A key whose name no other key of its map has
// keeps it.
func checkSame(src []byte, si int, out []byte, oi int, noSuffix bool) error {
	_, _, err := walkSame(src, si, out, oi, noSuffix, 0)
	return err
}

func walkSame(src []byte, si int, out []byte, oi int, noSuffix bool, depth int) (int, int, error) {
	if depth > MaxDepth+1 {
		return 0, 0, errors.New("too deep")
	}
	if n, sn, ok := mp.MapHeader(src, si); ok {
		_, on, ok := mp.MapHeader(out, oi)
		if !ok || !bytes.Equal(src[si:sn], out[oi:on]) {
			return 0, 0, fmt.Errorf("map header at %d/%d differs", si, oi)
		}
		// The own names of all keys, to tell who may keep theirs.
		bases := map[string]int{}
		at := sn
		for range n {
			name, v, err := appendName(nil, src, at)
			if err != nil {
				return 0, 0, err
			}
			bases[string(name)]++
			if at, err = mp.Skip(src, v); err != nil {
				return 0, 0, err
			}
		}
		seen := map[string]bool{}
		si, oi = sn, on
		for range n {
			base, sv, err := appendName(nil, src, si)
			if err != nil {
				return 0, 0, err
			}
			s, e, ok := mp.Str(out, oi)
			if !ok || out[oi] == 0xc4 || out[oi] == 0xc5 || out[oi] == 0xc6 {
				return 0, 0, fmt.Errorf("output key at %d is not a str", oi)
			}
			name := out[s:e]
			if !IsNormal(name) || !bytes.Equal(Append(nil, name), name) {
				return 0, 0, fmt.Errorf("output key %q is not normal", name)
			}
			if seen[string(name)] {
				return 0, 0, fmt.Errorf("output key %q twice in one map", name)
			}
			seen[string(name)] = true
			if !bytes.Equal(name, base) {
				rest, ok := bytes.CutPrefix(name, append(base, '_'))
				k, err := strconv.Atoi(string(rest))
				if noSuffix || !ok || err != nil || k < 2 || string(rest) != strconv.Itoa(k) {
					return 0, 0, fmt.Errorf("output key %q for a key named %q", name, base)
				}
				if bases[string(base)] == 1 {
					return 0, 0, fmt.Errorf("key named %q, unique in its map, written as %q", base, name)
				}
			}
			if si, oi, err = walkSame(src, sv, out, e, noSuffix, depth+1); err != nil {
				return 0, 0, err
			}
		}
		return si, oi, nil
	}
	if n, sn, ok := mp.ArrayHeader(src, si); ok {
		_, on, ok := mp.ArrayHeader(out, oi)
		if !ok || !bytes.Equal(src[si:sn], out[oi:on]) {
			return 0, 0, fmt.Errorf("array header at %d/%d differs", si, oi)
		}
		si, oi = sn, on
		var err error
		for range n {
			if si, oi, err = walkSame(src, si, out, oi, noSuffix, depth+1); err != nil {
				return 0, 0, err
			}
		}
		return si, oi, nil
	}
	se, err := mp.Skip(src, si)
	if err != nil {
		return 0, 0, err
	}
	oe, err := mp.Skip(out, oi)
	if err != nil {
		return 0, 0, err
	}
	if !bytes.Equal(src[si:se], out[oi:oe]) {
		return 0, 0, fmt.Errorf("value at %d/%d differs: % x vs % x", si, oi, src[si:se], out[oi:oe])
	}
	return se, oe, nil
}

// maxFuzzInput caps fuzz inputs (64 KiB).
const maxFuzzInput = 64 << 10

func FuzzAppendValue(f *testing.F) {
	for _, js := range []string{
		`{"userId":1,"user_id":2,"USER_ID":3}`,
		`{"a":1,"A":2,"a_2":3,"a.2":4}`,
		`{"List":[{"aB":1},[{"cD":2}],"eF"],"":{"-":null}}`,
		`{"SSH-PrivX-service":"x","Client IP":"10.0.0.1","n":1.5,"t":true}`,
	} {
		f.Add(mpOf(js))
	}
	f.Add([]byte{0x82, 0x07, 0x01, 0xc3, 0x02})
	f.Add([]byte{0x81, 0xc4, 0x02, 'a', 'B', 0x91, 0xc0})
	f.Add([]byte{0x81, 0x81, 0xa1, 'k', 0x01, 0x02})
	f.Add([]byte{0x81, 0xd7, 0x00, 0, 0, 0, 1, 0, 0, 0, 1, 0x02})
	f.Add([]byte{0xc1})
	big := mp.AppendMapHeader(nil, 40)
	for i := range 40 {
		big = append(mp.AppendStr(big, []string{"a", "A", "a_2", "a-3"}[i%4]), 0x01)
	}
	f.Add(big)
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > maxFuzzInput {
			return
		}
		out, end, err := AppendValue([]byte{0xc0}, src, 0)
		checkCached(t, src, out, end, err)
		if err != nil {
			if !errors.Is(err, mp.ErrMalformed) && !errors.Is(err, ErrTooDeep) {
				t.Fatalf("unexpected error %v", err)
			}
			if string(out) != "\xc0" {
				t.Fatalf("dst changed on error")
			}
			return
		}
		want, err := mp.Skip(src, 0)
		if err != nil || want != end {
			t.Fatalf("AppendValue ended at %d, Skip at %d (%v)", end, want, err)
		}
		if n, err := mp.Skip(out, 1); err != nil || n != len(out) {
			t.Fatalf("output is not one msgpack value: %d of %d, %v", n, len(out), err)
		}
		if err := checkSame(src, 0, out, 1, false); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzAppend(f *testing.F) {
	for _, s := range []string{"userId", "HTTPServer", "SSH-PrivX-service", "Client IP", "", "-", "caféBar", "IPv4Address", "2FA", "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, key []byte) {
		if len(key) > maxFuzzInput {
			return
		}
		name := Append(nil, key)
		if !bytes.Equal(Append(nil, name), name) {
			t.Fatalf("not idempotent: %q → %q → %q", key, name, Append(nil, name))
		}
		if !IsNormal(name) {
			t.Fatalf("%q → %q is not normal", key, name)
		}
		for _, c := range name {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c >= utf8.RuneSelf) {
				t.Fatalf("%q → %q holds %q", key, name, c)
			}
		}
		if len(name) > max(2*len(key)-1, len(Empty)) {
			t.Fatalf("%q → %q is longer than documented", key, name)
		}
	})
}

func BenchmarkAppend(b *testing.B) {
	keys := [][]byte{[]byte("SSH-PrivX-service"), []byte("userId"), []byte("Client IP"), []byte("action_timestamp"), []byte("HTTPServer")}
	n := 0
	for _, k := range keys {
		n += len(k)
	}
	dst := make([]byte, 0, 256)
	b.ReportAllocs()
	b.SetBytes(int64(n))
	for b.Loop() {
		for _, k := range keys {
			dst = Append(dst[:0], k)
		}
	}
}

// benchValue names src per operation: with AppendValue, and through a
// Cache that holds its shapes (every record of a vendor after the first).
func benchValue(b *testing.B, src []byte) {
	for _, cached := range []bool{false, true} {
		name := "uncached"
		if cached {
			name = "cached"
		}
		b.Run(name, func(b *testing.B) {
			var c *Cache
			if cached {
				c = new(Cache)
			}
			dst := make([]byte, 0, 4*len(src))
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				var err error
				if dst, _, err = c.AppendValue(dst[:0], src, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAppendValue(b *testing.B) {
	for _, v := range []string{"filingbox", "plusauth", "privx", "netop"} {
		b.Run(v, func(b *testing.B) { benchValue(b, sampleRecord(b, v)) })
	}
	b.Run("duplicates", func(b *testing.B) {
		benchValue(b, mpOf(`{"userId":1,"user_id":2,"USER_ID":3,"a":1,"A":2,"a_2":3,"a.2":4}`))
	})
	b.Run("map_of_100", func(b *testing.B) {
		src := mp.AppendMapHeader(nil, 100)
		for i := range 100 {
			src = append(mp.AppendStr(src, fmt.Sprintf("keyNumber%d", i)), 0x01)
		}
		benchValue(b, src)
	})
}

// TestLayoutDocNames: docs/layout.md lists every key of the bundled samples
// with the name Append gives it.
func TestLayoutDocNames(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "layout.md"))
	require.NoError(t, err)
	row := regexp.MustCompile("(?m)^\\| `([^`]*)` \\| `([^`]*)` \\|$")
	listed := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		listed[m[1]] = true
		require.Equal(t, string(Append(nil, []byte(m[1]))), m[2], "docs/layout.md names %q", m[1])
	}
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "samples", "*.log"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				require.True(t, listed[k], "docs/layout.md lacks the sample key %q", k)
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, line := range strings.Split(string(data), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil {
				walk(m)
			}
		}
	}
}
