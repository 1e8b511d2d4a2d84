package node

func keyCommands() []cmdDef {
	return []cmdDef{}
}
