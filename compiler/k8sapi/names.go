package k8sapi

// Names lists every spelling of a built-in resource a grant accepts, for editors'
// completion: the bare name where it resolves to that resource, NAME.GROUP outside
// the core group, and each with its subresources, in table order.
func Names() []string {
	var out []string
	for i := range table {
		e := &table[i]
		var spellings []string
		if byName[e.name] == e {
			spellings = append(spellings, e.name)
		}
		if e.group != Core {
			spellings = append(spellings, e.name+"."+e.group)
		}
		for _, s := range spellings {
			out = append(out, s)
			for _, sub := range e.subresources {
				out = append(out, s+"/"+sub)
			}
		}
	}
	return out
}
