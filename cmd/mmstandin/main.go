// Command mmstandin serves notify/mmtest's stand-in of Mattermost (API v4 posts, files,
// incoming webhooks, and reading a channel's posts back) for the lab and the SIPp suite,
// where no Mattermost server runs. GET / shows the posts received.
//
//	mmstandin [-listen :8065] [-token T] [-channel ID]
//
// The token defaults to $MMSTANDIN_TOKEN, else mmtest.DefaultToken. Every accepted post is
// logged on one line (its message quoted; the token never).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/ariflow/ariflow/notify/mmtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil))
}

// run serves until ctx is done. ready, when set, receives the address listened on.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) int {
	fs := flag.NewFlagSet("mmstandin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", ":8065", "address to listen on")
	token := fs.String("token", "", "the bearer token accepted (default $MMSTANDIN_TOKEN, else mmtest's default)")
	channel := fs.String("channel", mmtest.DefaultChannelID, "the channel id posts may go to")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "mmstandin: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *token == "" {
		*token = os.Getenv("MMSTANDIN_TOKEN")
	}
	if *token == "" {
		*token = mmtest.DefaultToken
	}
	var mu sync.Mutex
	h := mmtest.NewHandler(mmtest.Options{Token: *token, Channels: []string{*channel}, OnPost: func(p mmtest.RecordedPost) {
		via := "api"
		if p.Hook != "" {
			via = "webhook"
		}
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(stdout, "%s post %s channel=%s via=%s files=%d message=%s\n",
			time.UnixMilli(p.CreateAt).UTC().Format(time.RFC3339), p.ID, p.ChannelID, via, len(p.FileIDs),
			strconv.Quote(p.Message))
	}})
	defer h.Close()
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "mmstandin: %v\n", err)
		return 1
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stderr, "mmstandin: listening on %s, channel %s\n", l.Addr(), *channel)
	if ready != nil {
		ready <- l.Addr().String()
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		h.Close()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = srv.Shutdown(sctx)
		cancel()
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "mmstandin: %v\n", err)
		return 1
	}
	return 0
}
