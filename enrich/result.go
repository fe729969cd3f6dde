package enrich

// Result says what happened to one record.
type Result uint8

// Results of enriching one record.
const (
	ResultEnriched Result = iota
	ResultUnknown
	ResultNoCode
	ResultInvalidCode
	ResultMalformed
	ResultAlreadyEnriched
)

var resultNames = [...]string{"enriched", "unknown_code", "no_code", "invalid_code", "malformed", "already_enriched"}

// String names the result as the counters do.
func (r Result) String() string {
	if int(r) < len(resultNames) {
		return resultNames[r]
	}
	return "?"
}

func (st *Stats) count(r Result) {
	switch r {
	case ResultEnriched:
		st.Enriched++
	case ResultUnknown:
		st.Unknown++
	case ResultNoCode:
		st.NoCode++
	case ResultInvalidCode:
		st.InvalidCode++
	case ResultMalformed:
		st.Malformed++
	case ResultAlreadyEnriched:
		st.AlreadyEnriched++
	}
}
