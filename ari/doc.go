// Package ari is ariflow's client for the Asterisk REST Interface (ARI) of Asterisk 22.
//
// A [Client] groups the REST resources as fields ([Client.Channels], [Client.Bridges],
// [Client.Playbacks], [Client.Recordings], ...). Every request takes a context and carries a
// deadline ([Options.RequestTimeout] when the context has no earlier one); ids and names are
// path-escaped; a failed request returns an [*Error] that exposes the HTTP status.
//
// [Client.Run] keeps the events websocket connected: it pings the server, declares a silent
// connection dead, reconnects with exponential back-off and jitter, reports each state
// change to [Options.OnState], and hands every decoded [Event] to its callback in order.
//
// [DecodeEvent] turns one websocket message into a typed event (*[StasisStart], ...; an
// unknown type becomes *[UnknownEvent]); [Keys] gives its routing keys, and a [Bus]
// delivers events to the subscriptions holding those keys without ever blocking the
// publisher, counting and logging what a full subscriber could not take.
package ari
