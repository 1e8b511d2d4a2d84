package node

func bitmapCommands() []cmdDef {
	return []cmdDef{}
}
