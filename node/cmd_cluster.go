package node

func clusterCommands() []cmdDef {
	return nil
}
