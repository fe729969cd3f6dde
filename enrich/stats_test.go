package enrich

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every Stats field but Rewritten folds into exactly one counter of the
// table, once: setting the field to 1 makes that counter 1 and leaves the
// others at 0.
func TestCountersFoldEveryField(t *testing.T) {
	names := map[string]bool{}
	for _, c := range Counters() {
		require.Regexp(t, regexp.MustCompile(`^[a-z][a-z_]*_total$`), c.Name)
		require.False(t, names[c.Name], "duplicate counter %s", c.Name)
		names[c.Name] = true
		require.NotEmpty(t, c.Help, c.Name)
	}
	var probe Stats
	for i := range probe.fields() {
		var s Stats
		*s.fields()[i] = 1
		var in []string
		for _, c := range Counters() {
			switch c.Value(&s) {
			case 0:
			case 1:
				in = append(in, c.Name)
			default:
				t.Fatalf("field %d counted more than once in %s", i, c.Name)
			}
		}
		if probe.fields()[i] == &probe.Rewritten {
			require.Empty(t, in, "Rewritten is not a counter users see")
			continue
		}
		require.Len(t, in, 1, "Stats field %d is in %v", i, in)
	}
	s := Stats{Malformed: 2, BadEvents: 3}
	require.Equal(t, uint64(5), s.MalformedTotal(), "malformed = Malformed + BadEvents")
}

// The filter door's counters are the table's marked Filter, in order.
func TestFilterCounters(t *testing.T) {
	var want []string
	for _, c := range Counters() {
		if c.Filter {
			want = append(want, c.Name)
		}
	}
	var got []string
	for _, c := range FilterCounters() {
		got = append(got, c.Name)
	}
	require.Equal(t, want, got)
}

// The counters line names each Exit counter by its key, in the table's
// order; a Result's name is the key of the counter it lands in.
func TestStatsString(t *testing.T) {
	s := Stats{Records: 7, Enriched: 3, Malformed: 1, BadEvents: 1, GroupMarkers: 9, Conflicts: 2}
	require.Equal(t, "records=7 enriched=3 unknown_code=0 no_code=0 invalid_code=0 malformed=2 already_enriched=0 field_conflicts=2 invalid_ip=0 no_event_time=0 trailing_bytes=0", s.String())
	keys := map[string]bool{}
	for _, c := range Counters() {
		keys[c.Key()] = true
	}
	for r := ResultEnriched; r <= ResultAlreadyEnriched; r++ {
		require.True(t, keys[r.String()], "result %s has no counter", r)
		var st Stats
		st.count(r)
		for _, c := range Counters() {
			if c.Key() == r.String() {
				require.Equal(t, uint64(1), c.Value(&st), "result %s counts into %s", r, c.Name)
			}
		}
	}
}
