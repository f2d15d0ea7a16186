package engine

// AdminPolicies are the AdminNetworkPolicies read, by priority, then the
// BaselineAdminNetworkPolicy if there is one.
func (c *Cluster) AdminPolicies() []*AdminPolicy {
	res := append([]*AdminPolicy(nil), c.admins...)
	if c.baseline != nil {
		res = append(res, c.baseline)
	}
	return res
}
