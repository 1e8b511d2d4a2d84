package node

func configCommands() []cmdDef {
	return []cmdDef{}
}
