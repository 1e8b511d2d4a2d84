package node

func stringCommands() []cmdDef {
	return []cmdDef{}
}
