package sqlstate

import (
	"context"
	"fmt"

	"github.com/netc-dev/netc/backends/sql"
)

// myState is what a plan or audit reads from MariaDB or MySQL. Reading it is not
// written yet: Plan and Audit say so rather than report nothing.
type myState struct{}

func readMy(ctx context.Context, c *Conn, m *sql.Model) (*myState, error) {
	return nil, fmt.Errorf("%s at %s: netc plan and netc audit read only PostgreSQL so far", engineTitle(c.engine), c.server)
}

func (st *myState) plan(m *sql.Model) []Change   { return nil }
func (st *myState) audit(m *sql.Model) []Finding { return nil }
