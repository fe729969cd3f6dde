package enrich

import (
	"strings"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/internal/mp"
)

// writeFlat appends the record with one map under Options.FlatKey.
func (e *Enricher) writeFlat(dst *[]byte, body []byte, sc *scanned, t *table, f *found) {
	vend, enc, code, outcome, sev, act := &t.vendors[f.vendor.Index], f.enc, f.code, f.outcome, f.sev, &f.act
	var fields [numFlatFields][]byte
	var codePair [2*catalog.MaxCodeLen + 16]byte
	var sevPair [16]byte
	if enc != nil {
		fields = enc.flat
	} else {
		fields[flVendor], fields[flProduct], fields[flModule] = vend.flatVendor, vend.flatProd, vend.flatModule
		fields[flCode] = mp.AppendStr(append(codePair[:0], keyCode...), code)
	}
	fields[flOutcome] = outcomeFlat[outcome]
	if sev != catalog.SeverityUnset {
		fields[flSeverity] = mp.AppendInt(append(sevPair[:0], keySeverity...), sev.Score())
		fields[flSeverityLevel] = severityWord[sev]
	}
	n := 0
	for _, f := range fields {
		if f != nil {
			n++
		}
	}
	var af [numFlatActorFields]field
	for f, val := range act[:catalog.NumActorFields] {
		af[f] = strField(flatActorKeys[f], val)
	}
	af[flRelatedUser] = listField(flatActorKeys[flRelatedUser], act[catalog.UserName], act[catalog.UserID])
	af[flRelatedIP] = listField(flatActorKeys[flRelatedIP], act[catalog.SourceIP], nil)
	for i := range af {
		if af[i].set() {
			n++
		}
	}
	out := mp.AppendMapHeader(*dst, sc.nPairs+1)
	out = append(out, body[sc.first:]...)
	out = append(out, e.flatKey...)
	out = mp.AppendMapHeader(out, n)
	for _, f := range fields {
		out = append(out, f...)
	}
	for i := range af {
		if af[i].set() {
			out = af[i].appendTo(out)
		}
	}
	*dst = out
}

var flatActorKeys = func() (k [numFlatActorFields][]byte) {
	for f := catalog.ActorField(0); f < catalog.NumActorFields; f++ {
		k[f] = mp.AppendStr(nil, strings.ReplaceAll(f.String(), ".", "_"))
	}
	k[flRelatedUser] = mp.AppendStr(nil, "related_user")
	k[flRelatedIP] = mp.AppendStr(nil, "related_ip")
	return k
}()
