// Command etcd runs a single-member etcd server for the tests' kube-apiserver: the
// upstream server (go.etcd.io/etcd/server/v3/embed) on loopback, with its data in a
// directory the test removes. It prints "ready" once it serves clients and runs until
// it is killed.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

func main() {
	dir := flag.String("data-dir", "", "the data directory")
	client := flag.String("client-url", "http://127.0.0.1:2379", "the URL to serve clients on")
	peer := flag.String("peer-url", "http://127.0.0.1:2380", "the URL to serve peers on")
	flag.Parse()
	if *dir == "" {
		log.Fatal("etcd: -data-dir is required")
	}
	cu, err := url.Parse(*client)
	if err != nil {
		log.Fatal(err)
	}
	pu, err := url.Parse(*peer)
	if err != nil {
		log.Fatal(err)
	}
	cfg := embed.NewConfig()
	cfg.Dir = *dir
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{*cu}, []url.URL{*cu}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{*pu}, []url.URL{*pu}
	cfg.InitialCluster = cfg.Name + "=" + pu.String()
	cfg.LogLevel = "error"
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()
	select {
	case <-e.Server.ReadyNotify():
		fmt.Println("ready")
	case <-time.After(60 * time.Second):
		e.Server.Stop()
		log.Fatal("etcd: not ready after 60 s")
	}
	err = <-e.Err()
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
