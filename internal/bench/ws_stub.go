//go:build !wsconn

package bench

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
)

// errNoWebSocket is returned until package conn lands (build with -tags wsconn).
var errNoWebSocket = errors.New("bench: WebSocket side not built (package conn missing)")

func (s *Server) serveUpdatesWS(w http.ResponseWriter, r *http.Request) {
	http.Error(w, errNoWebSocket.Error(), http.StatusNotImplemented)
}

func serveEchoWS(w http.ResponseWriter, r *http.Request) {
	http.Error(w, errNoWebSocket.Error(), http.StatusNotImplemented)
}

type wsUpdates struct{}

func dialUpdates(ctx context.Context, cs clientSide, base string, rc *Receiver) (*wsUpdates, error) {
	return nil, errNoWebSocket
}

func (wu *wsUpdates) receive(ctx context.Context) error { return errNoWebSocket }
func (wu *wsUpdates) abort()                            {}

func wsRequests(ctx context.Context, cs clientSide, base string, perConn int, payload []byte, done *atomic.Int64) error {
	return errNoWebSocket
}
