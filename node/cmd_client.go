package node

func clientCommands() []cmdDef {
	return []cmdDef{}
}
