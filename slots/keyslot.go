package slots

import "github.com/sigurn/crc16"

// NumSlots is the number of hash slots in a Redis Cluster.
const NumSlots = 16384

// Slot is a hash slot number in [0, NumSlots).
type Slot uint16

var xmodem = crc16.MakeTable(crc16.CRC16_XMODEM)

// CRC16 returns the CRC16/XMODEM checksum Redis uses for key hashing.
func CRC16(b []byte) uint16 {
	return crc16.Checksum(b, xmodem)
}

// HashTag returns the part of key that is hashed: the bytes between the first
// '{' and the first '}' after it, when that span is non-empty; otherwise the
// whole key. This is the rule of keyHashSlot in Redis's cluster.c.
func HashTag(key []byte) []byte {
	for s := 0; s < len(key); s++ {
		if key[s] != '{' {
			continue
		}
		for e := s + 1; e < len(key); e++ {
			if key[e] == '}' {
				if e == s+1 {
					return key
				}
				return key[s+1 : e]
			}
		}
		return key
	}
	return key
}

// KeySlot returns the hash slot of key.
func KeySlot(key []byte) Slot {
	return Slot(CRC16(HashTag(key)) & (NumSlots - 1))
}

// KeySlotString is KeySlot for a string key, without copying it.
func KeySlotString(key string) Slot {
	// Go does not copy for this conversion when the slice does not escape;
	// HashTag and crc16.Checksum only read it.
	return KeySlot([]byte(key))
}
