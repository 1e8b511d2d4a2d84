package node

func listCommands() []cmdDef {
	return []cmdDef{}
}
