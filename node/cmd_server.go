package node

func serverCommands() []cmdDef {
	return []cmdDef{}
}
