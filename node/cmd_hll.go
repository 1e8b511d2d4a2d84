package node

func hllCommands() []cmdDef {
	return nil
}
