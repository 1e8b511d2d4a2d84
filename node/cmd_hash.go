package node

func hashCommands() []cmdDef {
	return []cmdDef{}
}
