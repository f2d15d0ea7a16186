package engine

// Document is one YAML document of a source and the line it starts on.
type Document struct {
	Data []byte
	Line int
}

// Documents splits a source at its "---" lines, as Read does, so that a reader of
// other kinds (netc import's RBAC objects) places its diagnostics on the same lines.
// Documents that hold only comments are left out.
func Documents(src Source) []Document {
	var res []Document
	for _, d := range splitDocuments(src.Data) {
		if len(stripComments(d.data)) > 0 {
			res = append(res, Document{Data: d.data, Line: d.line})
		}
	}
	return res
}

// AdminPolicies are the AdminNetworkPolicies read, by priority, then the
// BaselineAdminNetworkPolicy if there is one.
func (c *Cluster) AdminPolicies() []*AdminPolicy {
	res := append([]*AdminPolicy(nil), c.admins...)
	if c.baseline != nil {
		res = append(res, c.baseline)
	}
	return res
}
