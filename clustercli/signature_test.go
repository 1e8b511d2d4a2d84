package clustercli

import "testing"

func TestConfigSignatureFollowsRedisCli(t *testing.T) {
	viewA := idA + " 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 5461-10922 0-10 [11->-" + idC + "]\n" +
		idB + " 127.0.0.1:7001@17001 master - 0 0 2 connected 10923-16383\n" +
		idC + " 127.0.0.1:7002@17002 slave " + idA + " 0 0 1 connected\n"
	// The same slots seen from another node: other order, other flags,
	// other timestamps, and the import side of the open slot.
	viewB := idC + " 127.0.0.1:7002@17002 myself,slave " + idA + " 0 0 1 connected\n" +
		idB + " 127.0.0.1:7001@17001 master - 5 6 2 connected 10923-16383 [11-<-" + idA + "]\n" +
		idA + " 10.1.1.1:7000@17000 master - 0 0 1 connected 0-10 5461-10922\n"
	want := idB + ":10923-16383|" + idA + ":0-10,5461-10922"
	if idA < idB {
		want = idA + ":0-10,5461-10922|" + idB + ":10923-16383"
	}
	tests := []struct {
		name string
		text string
		want string
	}{
		{"view of a", viewA, want},
		{"view of c", viewB, want},
		{"no slots anywhere", idA + " 127.0.0.1:7000@17000 myself,master - 0 0 0 connected\n", ""},
		{"slots only open", idA + " 127.0.0.1:7000@17000 myself,master - 0 0 0 connected [5->-" + idB + "]\n", ""},
		{"incomplete last line ignored", idA + " 127.0.0.1:7000@17000 myself,master - 0 0 0 connected 0-5", ""},
		{"slot tokens sorted as strings", idA + " 127.0.0.1:7000@17000 myself,master - 0 0 0 connected 9 100 20-30\n",
			idA + ":100,20-30,9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ConfigSignature(tt.text); got != tt.want {
				t.Fatalf("ConfigSignature = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestConfigSignatureDiffersWhenOwnersDiffer(t *testing.T) {
	a := idA + " 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-100\n"
	b := idA + " 127.0.0.1:7000@17000 master - 0 0 1 connected 0-99\n" +
		idB + " 127.0.0.1:7001@17001 myself,master - 0 0 2 connected 100\n"
	if ConfigSignature(a) == ConfigSignature(b) {
		t.Fatalf("views that disagree about slot 100 have the same signature %q", ConfigSignature(a))
	}
}
