package slots

// NoNode marks a slot with no owner, or no open migration, in a Table.
const NoNode = -1

// Table is a node's view of slot ownership: for every slot, the index of
// its owner in the node list of the view that holds the table, and the
// indexes of the migration target and import source when the slot is open
// on this node. It mirrors clusterState.slots, migrating_slots_to and
// importing_slots_from.
type Table struct {
	Owner     [NumSlots]int16
	Migrating [NumSlots]int16
	Importing [NumSlots]int16
}

// NewTable returns a table in which no slot has an owner and none is open.
func NewTable() *Table {
	t := &Table{}
	for i := range t.Owner {
		t.Owner[i], t.Migrating[i], t.Importing[i] = NoNode, NoNode, NoNode
	}
	return t
}

// Assigned returns how many slots have an owner.
func (t *Table) Assigned() int {
	n := 0
	for _, o := range t.Owner {
		if o != NoNode {
			n++
		}
	}
	return n
}
