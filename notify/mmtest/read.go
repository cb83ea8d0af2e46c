package mmtest

import (
	"net/http"
	"strconv"
	"strings"
)

// postListJSON is Mattermost's PostList: ids newest first, and the posts by id.
type postListJSON struct {
	Order      []string            `json:"order"`
	Posts      map[string]postJSON `json:"posts"`
	NextPostID string              `json:"next_post_id"`
	PrevPostID string              `json:"prev_post_id"`
	HasNext    bool                `json:"has_next"`
}

// channelPostsPath returns the channel id of a GET /api/v4/channels/{id}/posts path.
func channelPostsPath(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, "/api/v4/channels/")
	if !ok {
		return "", false
	}
	id, ok := strings.CutSuffix(rest, "/posts")
	return id, ok && !strings.Contains(id, "/")
}

// serveChannelPosts answers GET /api/v4/channels/{channel_id}/posts as Mattermost does:
// the channel's posts newest first, paged by page and per_page (default 60, at most 200),
// or those created after since (milliseconds since the epoch).
func (h *Handler) serveChannelPosts(w http.ResponseWriter, r *http.Request, reqID, channelID string) {
	q := r.URL.Query()
	page, errPage := queryInt(q.Get("page"), 0)
	perPage, errPer := queryInt(q.Get("per_page"), 60)
	since, errSince := queryInt(q.Get("since"), 0)
	switch {
	case !validID(channelID):
		writeError(w, reqID, http.StatusBadRequest, "api.context.invalid_url_param.app_error",
			"Invalid or missing channel_id parameter in request URL.", "")
		return
	case errPage != nil || errPer != nil || errSince != nil || page < 0 || perPage < 0:
		writeError(w, reqID, http.StatusBadRequest, "api.context.invalid_url_param.app_error",
			"Invalid or missing page parameter in request URL.", "")
		return
	case !h.channels[channelID]:
		writeError(w, reqID, http.StatusForbidden, "api.context.permissions.app_error",
			"You do not have the appropriate permissions.", "")
		return
	}
	perPage = min(perPage, 200)
	var newest []RecordedPost
	for _, p := range h.Posts() {
		if p.ChannelID == channelID && (since == 0 || p.CreateAt > int64(since)) {
			newest = append([]RecordedPost{p}, newest...)
		}
	}
	if since == 0 {
		start := min(page*perPage, len(newest))
		newest = newest[start:min(start+perPage, len(newest))]
	}
	out := postListJSON{Order: []string{}, Posts: map[string]postJSON{}}
	for _, p := range newest {
		out.Order = append(out.Order, p.ID)
		out.Posts[p.ID] = postJSONOf(p)
	}
	writeJSON(w, http.StatusOK, out)
}

// postJSONOf is a recorded post as Mattermost reads it back: a webhook's post has the
// props Mattermost adds, and no pending_post_id (it is not stored).
func postJSONOf(p RecordedPost) postJSON {
	props := map[string]any{}
	for k, v := range p.Props {
		props[k] = v
	}
	if p.Hook != "" {
		props["from_webhook"] = "true"
		if p.Username != "" {
			props["override_username"] = p.Username
		}
	}
	return postJSON{ID: p.ID, CreateAt: p.CreateAt, UpdateAt: p.CreateAt, UserID: p.UserID,
		ChannelID: p.ChannelID, Message: p.Message, Props: props, FileIDs: p.FileIDs, Metadata: map[string]any{}}
}

func queryInt(s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	return strconv.Atoi(s)
}
