package node

func setCommands() []cmdDef {
	return []cmdDef{}
}
