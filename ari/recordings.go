package ari

import (
	"context"
	"io"
	"net/http"
)

// RecordingService is the /recordings resource: [Client.Recordings]. Live* methods act on
// recordings in progress, Stored* methods and File on finished ones. Names may contain "/";
// they are escaped into one path segment.
type RecordingService struct{ c *Client }

// LiveGet returns the live recording with the given name.
func (s *RecordingService) LiveGet(ctx context.Context, name string) (*LiveRecording, error) {
	var rec LiveRecording
	if err := s.c.do(ctx, call{method: http.MethodGet, route: route{"recordings", "live", name}, out: &rec}); err != nil {
		return nil, err
	}
	return &rec, nil
}

// LiveStop stops the recording and keeps the file.
func (s *RecordingService) LiveStop(ctx context.Context, name string) error {
	return s.c.do(ctx, call{method: http.MethodPost, route: route{"recordings", "live", name, "stop"}})
}

// LiveScrap stops the recording and discards the file.
func (s *RecordingService) LiveScrap(ctx context.Context, name string) error {
	return s.c.do(ctx, call{method: http.MethodDelete, route: route{"recordings", "live", name}})
}

// LivePause pauses the recording; paused time is not recorded.
func (s *RecordingService) LivePause(ctx context.Context, name string) error {
	return s.c.do(ctx, call{method: http.MethodPost, route: route{"recordings", "live", name, "pause"}})
}

// LiveUnpause resumes a paused recording.
func (s *RecordingService) LiveUnpause(ctx context.Context, name string) error {
	return s.c.do(ctx, call{method: http.MethodDelete, route: route{"recordings", "live", name, "pause"}})
}

// LiveMute records silence instead of the audio until [RecordingService.LiveUnmute].
func (s *RecordingService) LiveMute(ctx context.Context, name string) error {
	return s.c.do(ctx, call{method: http.MethodPost, route: route{"recordings", "live", name, "mute"}})
}

// LiveUnmute records the audio again after [RecordingService.LiveMute].
func (s *RecordingService) LiveUnmute(ctx context.Context, name string) error {
	return s.c.do(ctx, call{method: http.MethodDelete, route: route{"recordings", "live", name, "mute"}})
}

// StoredList returns every stored recording.
func (s *RecordingService) StoredList(ctx context.Context) ([]StoredRecording, error) {
	var recs []StoredRecording
	err := s.c.do(ctx, call{method: http.MethodGet, route: route{"recordings", "stored"}, out: &recs})
	return recs, err
}

// StoredGet returns the stored recording with the given name.
func (s *RecordingService) StoredGet(ctx context.Context, name string) (*StoredRecording, error) {
	var rec StoredRecording
	if err := s.c.do(ctx, call{method: http.MethodGet, route: route{"recordings", "stored", name}, out: &rec}); err != nil {
		return nil, err
	}
	return &rec, nil
}

// StoredCopy copies the stored recording to dest and returns the copy.
func (s *RecordingService) StoredCopy(ctx context.Context, name, dest string) (*StoredRecording, error) {
	q := query{}.set("destinationRecordingName", dest)
	var rec StoredRecording
	err := s.c.do(ctx, call{method: http.MethodPost, route: route{"recordings", "stored", name, "copy"}, query: q.values(), out: &rec})
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// StoredDelete deletes the stored recording.
func (s *RecordingService) StoredDelete(ctx context.Context, name string) error {
	return s.c.do(ctx, call{method: http.MethodDelete, route: route{"recordings", "stored", name}})
}

// File returns the audio of the stored recording. The caller must close it; reading it
// is bounded by the request deadline (ctx's or [Options.RequestTimeout]).
func (s *RecordingService) File(ctx context.Context, name string) (io.ReadCloser, error) {
	resp, _, cancel, err := s.c.send(ctx, call{method: http.MethodGet, route: route{"recordings", "stored", name, "file"}})
	if err != nil {
		return nil, err
	}
	return &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}, nil
}

// cancelOnClose releases a request's context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel func()
}

// Close closes the body and cancels the request's context.
func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
