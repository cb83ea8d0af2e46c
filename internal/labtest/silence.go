package labtest

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
)

// SilentCaller writes, into dir, a caller scenario that sends silence (PCMA 0xD5, 20 ms
// packets) for seconds instead of SIPp's voice, and returns its path: uac_hangup_by_peer.xml
// of scenarioDir with a pcap of its own. A caller that sends nothing would not do: Asterisk
// mixes a whisper into the frames flowing to the phone, and without them there is nothing
// to mix into.
func SilentCaller(dir, scenarioDir string, seconds int) (string, error) {
	var b bytes.Buffer
	le := binary.LittleEndian
	_ = binary.Write(&b, le, []uint32{0xa1b2c3d4})
	_ = binary.Write(&b, le, []uint16{2, 4})
	_ = binary.Write(&b, le, []uint32{0, 0, 65535, 1}) // zone, accuracy, snap length, Ethernet
	for i := range seconds * 50 {
		rtp := make([]byte, 12+160)
		rtp[0], rtp[1] = 0x80, 8 // RTP v2, PCMA
		binary.BigEndian.PutUint16(rtp[2:], uint16(i))
		binary.BigEndian.PutUint32(rtp[4:], uint32(i*160))
		binary.BigEndian.PutUint32(rtp[8:], 0x5350590a)
		for j := 12; j < len(rtp); j++ {
			rtp[j] = 0xd5
		}
		udp := make([]byte, 8, 8+len(rtp))
		binary.BigEndian.PutUint16(udp[0:], 6000)
		binary.BigEndian.PutUint16(udp[2:], 6002)
		binary.BigEndian.PutUint16(udp[4:], uint16(8+len(rtp)))
		udp = append(udp, rtp...)
		ip := []byte{0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1}
		binary.BigEndian.PutUint16(ip[2:], uint16(20+len(udp)))
		frame := append([]byte{0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 8, 0}, ip...)
		frame = append(frame, udp...)
		us := i * 20000
		_ = binary.Write(&b, le, []uint32{uint32(us / 1e6), uint32(us % 1e6), uint32(len(frame)), uint32(len(frame))})
		b.Write(frame)
	}
	pcap := filepath.Join(dir, "silence.pcap")
	if err := os.WriteFile(pcap, b.Bytes(), 0o644); err != nil {
		return "", err
	}
	scen, err := os.ReadFile(filepath.Join(scenarioDir, "uac_hangup_by_peer.xml"))
	if err != nil {
		return "", err
	}
	scen = bytes.ReplaceAll(scen, []byte("/usr/share/sip-tester/g711a.pcap"), []byte(pcap))
	path := filepath.Join(dir, "uac_silent.xml")
	return path, os.WriteFile(path, scen, 0o644)
}

// ReceivedLines returns the first line of every message SIPp received ("INVITE sip:...",
// "SIP/2.0 200 OK"), read from its message log (-trace_msg).
func ReceivedLines(messagesLog string) []string { return receivedStartLines(messagesLog) }

// Stats reads the cumulative counters of the last line of SIPp's statistics file
// (-trace_stat -stf PATH): "TotalCallCreated", "SuccessfulCall(C)", "FailedCall(C)", ...
func Stats(path string) (map[string]int, error) { return lastStats(path) }
