package k8syaml

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netc-dev/netc/backends/artifact"
)

// Object is a Kubernetes object netc writes: typed, and named.
type Object interface {
	runtime.Object
	GetName() string
}

// AppendFile appends one generated YAML file to b: the generated-file header as a
// comment, then each object as a document opened by "---". Every Kubernetes file netc
// writes is made here. On error it returns b unchanged and names the object that failed.
func AppendFile[T Object](enc *Encoder, b []byte, objs []T) ([]byte, error) {
	start := len(b)
	b = append(b, "# "+artifact.Header+"\n"...)
	for _, o := range objs {
		b = append(b, "---\n"...)
		var err error
		if b, err = enc.Append(b, o); err != nil {
			return b[:start], fmt.Errorf("encoding %s: %v", o.GetName(), err)
		}
	}
	return b, nil
}
