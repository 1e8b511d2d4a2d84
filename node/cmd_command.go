package node

func commandCommands() []cmdDef {
	return []cmdDef{}
}
