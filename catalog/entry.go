package catalog

// Entry is one audit event of a vendor's catalog. Entries are immutable once
// a Catalog is built.
type Entry struct {
	// Index is the entry's position in its Catalog's Entries, dense from 0;
	// users keep per-entry side tables (pre-encoded fields) indexed by it.
	Index int
	// Vendor is the entry's vendor, one of its catalog's.
	Vendor *Vendor
	// Code is the canonical code (054, 2001, 100, DEVICE.CONNECT).
	Code string
	// Name is the event name auditx reports (event.action), corrected or
	// disambiguated where the vendor document is wrong or ambiguous.
	Name string
	// NameInDoc is the document's own wording where it differs from Name.
	NameInDoc string
	// Description is the trigger description as the document writes it
	// (event.reason).
	Description string
	// Derived is true when Description was derived from the title because
	// the document has none.
	Derived bool
	// Group is the vendor's grouping (code range, area, entity type).
	Group string
	// Category lists the ECS event.category values.
	Category []string
	// Type lists the ECS event.type values.
	Type []string
	// Outcome is the expected ECS event.outcome.
	Outcome Outcome
	// Severity is the default severity: the level of VendorSeverity when the
	// vendor publishes one, otherwise the catalog's own (derived) level.
	Severity Severity
	// VendorSeverity is the vendor's own published severity (an event
	// list: Info(6), Warning(4), Critical(2), Alert(1)); unset when the
	// vendor gives none.
	VendorSeverity VendorSeverity
	// Origin lists the vendor's services that emit the event, as the vendor
	// publishes them (Authorizer, Role Store, SSH Bastion, ...); empty
	// when the vendor gives none. A record that names its own service says
	// which one emitted it; Origin does not override that.
	Origin []string
	// Provenance lists the vendor documents the entry comes from (short names such
	// as v24 and current), so users can tell which
	// versions can emit it; empty for vendors with a single document.
	Provenance []string
	// Note says why the entry differs from the document, if it does.
	Note string
	// Source is "embedded" or the user file the entry came from.
	Source string
	// Line is the entry's line in Source.
	Line int
}

// Header lists the columns of a catalog file, in order.
var Header = []string{"vendor", "code", "name", "name_in_doc", "description", "derived",
	"group", "category", "type", "outcome", "severity", "vendor_severity", "origin", "provenance", "note"}

// LegacyHeader lists the columns of the catalog files of auditx before the
// vendor_severity, origin and provenance columns; files with this header are
// still read (those three columns empty).
var LegacyHeader = []string{"vendor", "code", "name", "name_in_doc", "description", "derived",
	"group", "category", "type", "outcome", "severity", "note"}

// Record returns the entry as a catalog file row, in Header order.
func (e *Entry) Record() []string {
	derived := ""
	if e.Derived {
		derived = "true"
	}
	return []string{e.Vendor.String(), e.Code, e.Name, e.NameInDoc, e.Description, derived,
		e.Group, joinList(e.Category), joinList(e.Type), e.Outcome.String(), e.Severity.String(),
		e.VendorSeverity.String(), joinList(e.Origin), joinList(e.Provenance), e.Note}
}

// HasProvenance reports whether the entry comes from the vendor document p.
func (e *Entry) HasProvenance(p string) bool {
	for _, x := range e.Provenance {
		if x == p {
			return true
		}
	}
	return false
}

// ListSeparator separates the values of the category and type columns.
const ListSeparator = "|"

func joinList(vs []string) string {
	out := ""
	for i, v := range vs {
		if i > 0 {
			out += ListSeparator
		}
		out += v
	}
	return out
}
