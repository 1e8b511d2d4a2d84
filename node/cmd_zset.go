package node

func zsetCommands() []cmdDef {
	return []cmdDef{}
}
