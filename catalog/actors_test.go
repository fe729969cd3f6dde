package catalog

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const actorHeader = "vendor,field,source,ignore,note\n"

func paths(ss []ActorSource) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Path)
	}
	return out
}

// The embedded actor map names the fields as the vendors publish them
// (shared/SEEDS.md) and, for FilingBox, as the README assumes.
func TestEmbeddedActors(t *testing.T) {
	c, err := Embedded()
	require.NoError(t, err)
	m := c.Actors()
	require.NotNil(t, m)
	tests := []struct {
		v    *Vendor
		f    ActorField
		want []string
	}{
		{PrivX, UserName, []string{"message.username"}},
		{PrivX, UserID, []string{"message.userID"}},
		{PrivX, SourceIP, []string{"message.remoteAddress"}},
		{PrivX, EventProvider, []string{"service_name", "message.SSH-PrivX-service"}},
		{PrivX, ObserverHostname, []string{"message.instanceName"}},
		{PlusAuth, UserID, []string{"user_id"}},
		{PlusAuth, SourceIP, []string{"client_address"}},
		{PlusAuth, UserName, nil},
		{Netop, UserName, []string{"User Name"}},
		{Netop, UserID, []string{"User Id"}},
		{Netop, SourceIP, nil},
		{FilingBox, UserName, []string{"User"}},
		{FilingBox, SourceIP, []string{"Client IP"}},
		{FilingBox, HostName, nil},
	}
	for _, tt := range tests {
		t.Run(tt.v.String()+" "+tt.f.String(), func(t *testing.T) {
			assert.Equal(t, tt.want, paths(m.Sources(tt.v, tt.f)))
		})
	}
	assert.Equal(t, []string{"SYSTEM"}, m.Sources(Netop, UserID)[0].Ignore)
}

func TestUserActorFileOverlays(t *testing.T) {
	user := writeFile(t, "actors.csv", actorHeader+
		"plusauth,user.name,details.username,,site\n"+
		"privx,source.ip,message.clientIP,,first\n"+
		"privx,source.ip,message.remoteAddress,,then\n"+
		"netop,user.id,,,switched off\n")
	events := writeFile(t, "events.csv", header+"netop,DEVICE.X,X one,,First.,,DEVICE,host,info,unknown,low,\n")
	c, err := Load(user, events)
	require.NoError(t, err)
	m := c.Actors()
	assert.Equal(t, []string{"details.username"}, paths(m.Sources(PlusAuth, UserName)))
	assert.Equal(t, []string{"user_id"}, paths(m.Sources(PlusAuth, UserID)), "other fields stay embedded")
	assert.Equal(t, []string{"message.clientIP", "message.remoteAddress"}, paths(m.Sources(PrivX, SourceIP)), "a user file replaces the vendor's field, in its order")
	assert.Empty(t, m.Sources(Netop, UserID), "an empty source switches the field off")
	assert.NotNil(t, c.LookupString(Netop, "DEVICE.X"), "event tables load beside the actor file")
	assert.Equal(t, user, m.Sources(PrivX, SourceIP)[0].Source)
	assert.Equal(t, 3, m.Sources(PrivX, SourceIP)[0].Line)
}

func TestUserActorFileErrors(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"vendor", actorHeader + "okta,user.name,x,,\n", ":2: column vendor: unknown vendor"},
		{"field", actorHeader + "privx,user.email,x,,\n", ":2: column field: \"user.email\" is not a field auditx fills"},
		{"columns", actorHeader + "privx,user.name\n", ":2: 2 columns, expected 5"},
		{"empty segment", actorHeader + "privx,user.name,message..x,,\n", ":2: column source: \"message..x\" has an empty segment"},
		{"too many sources", actorHeader + strings.Repeat("privx,user.name,a,,\n", MaxActorSources+1), fmt.Sprintf(":%d: column source: more than %d sources", MaxActorSources+2, MaxActorSources)},
		{"too many watched keys", actorHeader + func() string {
			var b strings.Builder
			n := 0
			for _, id := range testVendors.IDs() {
				for _, f := range actorFieldNames {
					for s := 0; s < MaxActorSources; s++ {
						fmt.Fprintf(&b, "%s,%s,k%d,,\n", id, f, n)
						n++
					}
				}
			}
			return b.String()
		}(), fmt.Sprintf("over the limit of %d watched keys", MaxWatchedKeys)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeFile(t, "actors.csv", tt.content))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestNormalizeKey(t *testing.T) {
	for _, k := range []string{"User Id", "user_id", "userId", "USER-ID"} {
		assert.Equal(t, "userid", NormalizeKey(k))
	}
}
