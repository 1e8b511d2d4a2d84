package node

func dumpCommands() []cmdDef {
	return nil
}
