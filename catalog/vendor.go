package catalog

import (
	"fmt"
	"strings"
)

// Vendor identifies one of the vendors whose events the catalog describes.
type Vendor uint8

// The supported vendors. The zero value is not a vendor.
const (
	NoVendor Vendor = iota
	FilingBox
	PlusAuth
	PrivX
	Netop
)

// NumVendors is one more than the highest Vendor value, for arrays indexed by Vendor.
const NumVendors = int(Netop) + 1

// VendorInfo describes a vendor and how its event codes are written.
type VendorInfo struct {
	// ID is the vendor id used in config keys, catalog files and event.module.
	ID string
	// Company is the vendor's company name (observer.vendor).
	Company string
	// Product is the product whose audit events are catalogued (observer.product).
	Product string
	// CodeForm describes the canonical code form, for error messages and docs.
	CodeForm string
	// DataFile is the embedded CSV file of the vendor.
	DataFile string
}

// vendorInfo is read-only: indexed by Vendor.
var vendorInfo = [NumVendors]VendorInfo{
	FilingBox: {ID: "filingbox", Company: "Filing Cloud Ltd", Product: "FilingBox MEGA2 v2",
		CodeForm: "three digits, zero-padded (050..511)", DataFile: "data/filingbox.csv"},
	PlusAuth: {ID: "plusauth", Company: "PlusAuth", Product: "PlusAuth",
		CodeForm: "an integer without leading zeros (100..4521)", DataFile: "data/plusauth.csv"},
	PrivX: {ID: "privx", Company: "SSH Communications Security", Product: "PrivX",
		CodeForm: "an integer without leading zeros (0..2311)", DataFile: "data/privx.csv"},
	Netop: {ID: "netop", Company: "Netop (Impero)", Product: "Netop Portal",
		CodeForm: "ENTITY_TYPE.ACTION in upper case (DEVICE.CONNECT)", DataFile: "data/netop.csv"},
}

// Vendors lists the supported vendors in a fixed order.
func Vendors() []Vendor { return []Vendor{FilingBox, PlusAuth, PrivX, Netop} }

// VendorIDs lists the vendor ids, for error messages naming the accepted values.
func VendorIDs() []string {
	ids := make([]string, 0, NumVendors-1)
	for _, v := range Vendors() {
		ids = append(ids, v.Info().ID)
	}
	return ids
}

// Info returns the vendor's description; the zero VendorInfo for NoVendor.
func (v Vendor) Info() VendorInfo {
	if int(v) >= NumVendors {
		return VendorInfo{}
	}
	return vendorInfo[v]
}

// String returns the vendor id.
func (v Vendor) String() string {
	if v == NoVendor || int(v) >= NumVendors {
		return "none"
	}
	return vendorInfo[v].ID
}

// ParseVendor returns the vendor with the given id (case-insensitive).
func ParseVendor(id string) (Vendor, error) {
	for _, v := range Vendors() {
		if strings.EqualFold(id, vendorInfo[v].ID) {
			return v, nil
		}
	}
	return NoVendor, fmt.Errorf("unknown vendor %q (accepted: %s)", id, strings.Join(VendorIDs(), ", "))
}
