package ari

// BridgeCreated: a bridge was created.
type BridgeCreated struct {
	EventBase
	Bridge Bridge `json:"bridge"`
}

// BridgeDestroyed: a bridge was destroyed.
type BridgeDestroyed struct {
	EventBase
	Bridge Bridge `json:"bridge"`
}

// BridgeMerged: BridgeFrom was merged into Bridge.
type BridgeMerged struct {
	EventBase
	Bridge     Bridge `json:"bridge"`
	BridgeFrom Bridge `json:"bridge_from"`
}

// BridgeVideoSourceChanged: a bridge's video source changed.
type BridgeVideoSourceChanged struct {
	EventBase
	Bridge           Bridge `json:"bridge"`
	OldVideoSourceID string `json:"old_video_source_id,omitempty"`
}

// BridgeBlindTransfer: a blind transfer happened in a bridge.
type BridgeBlindTransfer struct {
	EventBase
	Channel        Channel  `json:"channel"`
	ReplaceChannel *Channel `json:"replace_channel,omitempty"`
	Transferee     *Channel `json:"transferee,omitempty"`
	Exten          string   `json:"exten"`
	Context        string   `json:"context"`
	Result         string   `json:"result"`
	IsExternal     bool     `json:"is_external"`
	Bridge         *Bridge  `json:"bridge,omitempty"`
}

// BridgeAttendedTransfer: an attended transfer happened.
type BridgeAttendedTransfer struct {
	EventBase
	TransfererFirstLeg         Channel  `json:"transferer_first_leg"`
	TransfererSecondLeg        Channel  `json:"transferer_second_leg"`
	ReplaceChannel             *Channel `json:"replace_channel,omitempty"`
	Transferee                 *Channel `json:"transferee,omitempty"`
	TransferTarget             *Channel `json:"transfer_target,omitempty"`
	Result                     string   `json:"result"`
	IsExternal                 bool     `json:"is_external"`
	TransfererFirstLegBridge   *Bridge  `json:"transferer_first_leg_bridge,omitempty"`
	TransfererSecondLegBridge  *Bridge  `json:"transferer_second_leg_bridge,omitempty"`
	DestinationType            string   `json:"destination_type"`
	DestinationBridge          string   `json:"destination_bridge,omitempty"`
	DestinationApplication     string   `json:"destination_application,omitempty"`
	DestinationLinkFirstLeg    *Channel `json:"destination_link_first_leg,omitempty"`
	DestinationLinkSecondLeg   *Channel `json:"destination_link_second_leg,omitempty"`
	DestinationThreewayChannel *Channel `json:"destination_threeway_channel,omitempty"`
	DestinationThreewayBridge  *Bridge  `json:"destination_threeway_bridge,omitempty"`
}

// DeviceStateChanged: a device's state changed.
type DeviceStateChanged struct {
	EventBase
	DeviceState DeviceState `json:"device_state"`
}

// EndpointStateChange: an endpoint's state (or channel list) changed.
type EndpointStateChange struct {
	EventBase
	Endpoint Endpoint `json:"endpoint"`
}

// ContactInfo is a PJSIP contact in a [ContactStatusChange].
type ContactInfo struct {
	URI           string `json:"uri"`
	ContactStatus string `json:"contact_status"`
	AOR           string `json:"aor"`
	RoundtripUsec string `json:"roundtrip_usec,omitempty"`
}

// ContactStatusChange: a PJSIP contact's status changed.
type ContactStatusChange struct {
	EventBase
	Endpoint    Endpoint    `json:"endpoint"`
	ContactInfo ContactInfo `json:"contact_info"`
}

// Peer is a peer's status in a [PeerStatusChange].
type Peer struct {
	PeerStatus string `json:"peer_status"`
	Cause      string `json:"cause,omitempty"`
	Address    string `json:"address,omitempty"`
	Port       string `json:"port,omitempty"`
	Time       string `json:"time,omitempty"`
}

// PeerStatusChange: a peer's status changed.
type PeerStatusChange struct {
	EventBase
	Endpoint Endpoint `json:"endpoint"`
	Peer     Peer     `json:"peer"`
}

// TextMessage is an out-of-call text message.
type TextMessage struct {
	From      string            `json:"from"`
	To        string            `json:"to"`
	Body      string            `json:"body"`
	Variables map[string]string `json:"variables,omitempty"`
}

// TextMessageReceived: a text message arrived from an endpoint.
type TextMessageReceived struct {
	EventBase
	Message  TextMessage `json:"message"`
	Endpoint *Endpoint   `json:"endpoint,omitempty"`
}

// ApplicationReplaced: another websocket took over this application; this connection
// no longer receives its events.
type ApplicationReplaced struct {
	EventBase
}

// ApplicationRegistered: the application was registered.
type ApplicationRegistered struct {
	EventBase
}

// ApplicationUnregistered: the application was unregistered.
type ApplicationUnregistered struct {
	EventBase
}

// ApplicationMoveFailed: moving a channel to another application failed.
type ApplicationMoveFailed struct {
	EventBase
	Channel     Channel  `json:"channel"`
	Destination string   `json:"destination"`
	Args        []string `json:"args"`
}
