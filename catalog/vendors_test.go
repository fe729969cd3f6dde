package catalog

// The embedded vendors, by name, for the tests.
var (
	testVendors                       = mustEmbeddedVendors()
	FilingBox, Netop, PlusAuth, PrivX = testVendors.byID["filingbox"], testVendors.byID["netop"], testVendors.byID["plusauth"], testVendors.byID["privx"]
)

func mustEmbeddedVendors() *VendorSet {
	vs, err := EmbeddedVendors()
	if err != nil {
		panic(err)
	}
	return vs
}

// Provenance values of the PrivX entries (its data, not the code's).
const (
	// ProvenanceV24 is the PrivX v24 audit events document (SEEDS.md).
	ProvenanceV24 = "v24"
	// ProvenanceCurrent is PrivX's current published event list:
	// events_all.csv of SSHcom/privx-reporter and audit-event-codes.json of
	// SSHcom/privx-mcp (2026, PrivX 44).
	ProvenanceCurrent = "current"
)
