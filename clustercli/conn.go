package clustercli

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/slotd/slotd/internal/resp"
)

// Conn is one RESP2 client connection to a node. It is not safe for
// concurrent use.
type Conn struct {
	addr    string
	nc      net.Conn
	w       *bufio.Writer
	rd      *resp.Reader
	timeout time.Duration
}

// Dial connects to host:port and authenticates when cfg has a password,
// like clusterManagerNodeConnect.
func Dial(host string, port int, cfg *Config) (*Conn, error) {
	nc, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), cfg.ConnectTimeout)
	if err != nil {
		return nil, dialError{err}
	}
	c := &Conn{addr: joinHostPort(host, port), nc: nc, w: bufio.NewWriter(nc), rd: resp.NewReader(nc), timeout: cfg.ReplyTimeout}
	if cfg.Password != "" {
		args := []string{"AUTH", cfg.Password}
		if cfg.User != "" {
			args = []string{"AUTH", cfg.User, cfg.Password}
		}
		if _, err := c.Do(args...); err != nil {
			c.Close()
			return nil, fmt.Errorf("AUTH failed: %w", err)
		}
	}
	return c, nil
}

// Addr returns the address the connection was opened to, as redis-cli
// prints it: ip:port, without brackets around an IPv6 address.
func (c *Conn) Addr() string { return c.addr }

// Close closes the connection. Closing a nil Conn does nothing.
func (c *Conn) Close() {
	if c != nil {
		_ = c.nc.Close()
	}
}

// Do sends one command and returns its reply. An error reply is returned as
// a ReplyError together with the reply value.
func (c *Conn) Do(args ...string) (resp.Value, error) {
	_ = c.nc.SetDeadline(time.Now().Add(c.timeout))
	if _, err := c.w.Write(resp.AppendCommand(nil, args...)); err != nil {
		return resp.Value{}, err
	}
	if err := c.w.Flush(); err != nil {
		return resp.Value{}, err
	}
	v, err := c.rd.Read()
	if err != nil {
		return v, err
	}
	if v.Type == '-' {
		return v, ReplyError(v.Str)
	}
	return v, nil
}

// DoString runs a command whose reply is a string (bulk, simple or
// verbatim) and returns it.
func (c *Conn) DoString(args ...string) (string, error) {
	v, err := c.Do(args...)
	if err != nil {
		return "", err
	}
	switch v.Type {
	case '$', '+', '=':
		if v.Null {
			return "", fmt.Errorf("%w: nil reply to %s", ErrUnexpectedReply, args[0])
		}
		s := string(v.Str)
		if v.Type == '=' && len(s) >= 4 {
			s = s[4:] // the "txt:" format prefix of a verbatim string
		}
		return s, nil
	}
	return "", fmt.Errorf("%w: %s to %s", ErrUnexpectedReply, v.String(), args[0])
}

// DoInt runs a command whose reply is an integer.
func (c *Conn) DoInt(args ...string) (int64, error) {
	v, err := c.Do(args...)
	if err != nil {
		return 0, err
	}
	if v.Type != ':' {
		return 0, fmt.Errorf("%w: %s to %s", ErrUnexpectedReply, v.String(), args[0])
	}
	return v.Int, nil
}

// InfoField returns the value of field in INFO or CLUSTER INFO text, like
// redis-cli's getInfoField.
func InfoField(info, field string) (string, bool) {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimRight(line, "\r"), field+":"); ok {
			return v, true
		}
	}
	return "", false
}

// dialError is a failed connection attempt. Its text is the cause alone,
// capitalised like strerror ("Connection refused"), because callers print it
// after the address, as redis-cli does.
type dialError struct{ err error }

func (e dialError) Error() string {
	cause := e.err
	var se *os.SyscallError
	var oe *net.OpError
	if errors.As(e.err, &se) {
		cause = se.Err
	} else if errors.As(e.err, &oe) {
		cause = oe.Err
	}
	msg := cause.Error()
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}

func (e dialError) Unwrap() error { return e.err }

// IsReplyError reports whether err is an error reply from a node rather than
// a connection failure.
func IsReplyError(err error) bool {
	var re ReplyError
	return errors.As(err, &re)
}
