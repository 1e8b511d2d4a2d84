package node

func infoCommands() []cmdDef {
	return []cmdDef{}
}
