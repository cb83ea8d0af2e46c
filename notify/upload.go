package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"path"
	"strings"
)

// UploadFile sends one file to POST /api/v4/files (multipart form: channel_id, files) and
// returns its id, to put in [Post.FileIDs]. An empty channelID means the configured one.
// It needs the REST API (URL and token): without it the error wraps errors.ErrUnsupported.
// The body is streamed; r is read once, so a retry needs a new reader.
func (m *Mattermost) UploadFile(ctx context.Context, channelID, filename string, r io.Reader) (string, error) {
	if m.base == "" {
		return "", fmt.Errorf("notify: mattermost: file upload needs the REST API (url and token): %w", errors.ErrUnsupported)
	}
	if channelID == "" {
		channelID = m.cfg.ChannelID
	}
	if !ValidID(channelID) {
		return "", &permanentError{fmt.Errorf("notify: mattermost: channel id %q is not a Mattermost id", channelID)}
	}
	filename = cleanFilename(filename)
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := mw.WriteField("channel_id", channelID)
		if err == nil {
			var part io.Writer
			if part, err = mw.CreateFormFile("files", filename); err == nil {
				_, err = io.Copy(part, r)
			}
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	// If the request fails before the body is read to the end, unblock the writer, and
	// do not return while it may still read r.
	defer func() { pr.Close(); <-done }()
	var res struct {
		FileInfos []struct {
			ID string `json:"id"`
		} `json:"file_infos"`
	}
	if err := m.do(ctx, "/api/v4/files", mw.FormDataContentType(), pr, &res); err != nil {
		return "", err
	}
	if len(res.FileInfos) != 1 || res.FileInfos[0].ID == "" {
		return "", &permanentError{fmt.Errorf("notify: mattermost: upload %s: answer has %d file infos, want 1", filename, len(res.FileInfos))}
	}
	return res.FileInfos[0].ID, nil
}

// cleanFilename keeps a plain base name: no directories, no control characters, no quotes.
func cleanFilename(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	if name == "" || name == "." || name == "/" {
		name = "file"
	}
	return name
}
