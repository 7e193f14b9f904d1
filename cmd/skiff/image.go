//go:build !skiff_runc

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/cobra"

	"github.com/skiffrun/skiff/image/importer"
	"github.com/skiffrun/skiff/image/pull"
	"github.com/skiffrun/skiff/image/ref"
	"github.com/skiffrun/skiff/image/snapshot"
	"github.com/skiffrun/skiff/image/store"
)

func init() {
	register(newPullCmd)
	register(newPushCmd)
	register(newImagesCmd)
	register(newRmiCmd)
	register(newImageCmd)
}

// imageStore opens <data-dir>/images.
func imageStore(opts *globalOptions) (*store.Store, error) {
	return store.Open(filepath.Join(opts.dataDir, "images"), opts.log)
}

// storeImage opens the store and finds one image in it by name or id.
func storeImage(opts *globalOptions, name string) (*store.Store, *store.Image, error) {
	st, err := imageStore(opts)
	if err != nil {
		return nil, nil, err
	}
	img, err := st.Get(name)
	if err != nil {
		return nil, nil, err
	}
	return st, img, nil
}

func newPullCmd(opts *globalOptions) *cobra.Command {
	var insecure []string
	var quiet bool
	var platform string
	cmd := &cobra.Command{
		Use:   "pull [--insecure-registry HOST:PORT] NAME[:TAG|@DIGEST]",
		Short: "Pull an image from a registry",
		Long: `Pull an image into the local store. Credentials come from ~/.docker/config.json;
localhost registries and those given with --insecure-registry are spoken to over plain HTTP.

  skiff pull busybox
  skiff pull --insecure-registry myhost:5000 myhost:5000/app:v1`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := imageStore(opts)
			if err != nil {
				return err
			}
			po := pull.Options{Insecure: insecure, Log: opts.log, Progress: cmd.ErrOrStderr()}
			if quiet {
				po.Progress = nil
			}
			if platform != "" {
				p, err := v1.ParsePlatform(platform)
				if err != nil {
					return fmt.Errorf("--platform %q: %w: use OS/ARCH[/VARIANT], e.g. linux/arm64", platform, err)
				}
				po.Platform = p
			}
			img, err := pull.Pull(cmd.Context(), st, args[0], po)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Digest: %s\n%s\n", img.Digest, img.Name)
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&insecure, "insecure-registry", nil, "registry (HOST:PORT) to use over plain HTTP; repeatable")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress output")
	cmd.Flags().StringVar(&platform, "platform", "", "platform to pull from a multi-arch image (default linux/"+pull.HostPlatform().Architecture+")")
	return cmd
}

func newPushCmd(opts *globalOptions) *cobra.Command {
	var insecure []string
	cmd := &cobra.Command{
		Use:   "push [--insecure-registry HOST:PORT] IMAGE [DEST]",
		Short: "Push a local image to a registry (DEST defaults to the image's name)",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, img, err := storeImage(opts, args[0])
			if err != nil {
				return err
			}
			dest := ""
			if len(args) == 2 {
				dest = args[1]
			}
			if err := pull.Push(cmd.Context(), st, img, dest, pull.Options{Insecure: insecure, Log: opts.log}); err != nil {
				return err
			}
			if dest == "" {
				dest = img.Name
			}
			fmt.Fprintf(cmd.OutOrStdout(), "pushed %s (%s)\n", dest, img.Digest)
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&insecure, "insecure-registry", nil, "registry (HOST:PORT) to use over plain HTTP; repeatable")
	return cmd
}

func newImagesCmd(opts *globalOptions) *cobra.Command {
	var quiet, noTrunc bool
	cmd := &cobra.Command{
		Use:   "images",
		Short: "List local images",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return listImages(cmd.OutOrStdout(), opts, quiet, noTrunc)
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print image ids only")
	cmd.Flags().BoolVar(&noTrunc, "no-trunc", false, "print full ids")
	return cmd
}

func listImages(w io.Writer, opts *globalOptions, quiet, noTrunc bool) error {
	st, err := imageStore(opts)
	if err != nil {
		return err
	}
	all, err := st.List()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	if !quiet {
		fmt.Fprintln(tw, "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE")
	}
	for _, img := range all {
		id := img.ID().Hex
		if !noTrunc {
			id = id[:12]
		}
		if quiet {
			fmt.Fprintln(tw, id)
			continue
		}
		repo, tag := splitName(ref.Short(img.Name))
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", repo, tag, id, age(img.Config.Created.Time), humanSize(img.Size()))
	}
	return tw.Flush()
}

// splitName cuts "busybox:latest" into repository and tag (or digest).
func splitName(short string) (string, string) {
	if i := strings.LastIndex(short, "@"); i >= 0 {
		return short[:i], short[i+1:]
	}
	if i := strings.LastIndex(short, ":"); i > strings.LastIndex(short, "/") {
		return short[:i], short[i+1:]
	}
	return short, "<none>"
}

func age(t time.Time) string {
	if t.IsZero() {
		return "N/A"
	}
	d := time.Since(t)
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d minutes ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d hours ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

func humanSize(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2fGB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.2fMB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.2fkB", float64(n)/1e3)
	}
	return fmt.Sprintf("%dB", n)
}

func newRmiCmd(opts *globalOptions) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "rmi [-f] IMAGE...",
		Short: "Remove local images (the names, then blobs no image uses)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return removeImages(cmd.OutOrStdout(), opts, args, force)
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "remove even if containers use the image (they keep their layers)")
	return cmd
}

func removeImages(w io.Writer, opts *globalOptions, names []string, force bool) error {
	st, err := imageStore(opts)
	if err != nil {
		return err
	}
	snap, err := snapshot.New(opts.dataDir, st, opts.log)
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range names {
		if err := removeImage(w, st, snap, n, force); err != nil {
			errs = append(errs, err)
		}
	}
	rep, err := st.Prune()
	if err != nil {
		errs = append(errs, err)
	}
	for _, b := range rep.Blobs {
		fmt.Fprintf(w, "Deleted: %s\n", b)
	}
	return errors.Join(errs...)
}

func removeImage(w io.Writer, st *store.Store, snap *snapshot.Snapshotter, name string, force bool) error {
	img, err := st.Get(name)
	if err != nil {
		return err
	}
	users, err := snap.Users(img.Name)
	if err != nil {
		return err
	}
	if len(users) > 0 && !force {
		return fmt.Errorf("rmi %s: used by container %s: remove it first or use -f", ref.Short(img.Name), strings.Join(users, ", "))
	}
	if err := st.Remove(img.Name); err != nil {
		return err
	}
	fmt.Fprintf(w, "Untagged: %s\n", ref.Short(img.Name))
	return nil
}

func newImageCmd(opts *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Manage images: inspect, prune, import, export, unpack",
	}
	ls := newImagesCmd(opts)
	ls.Use, ls.Aliases = "ls", []string{"list"}
	rm := newRmiCmd(opts)
	rm.Use, rm.Aliases = "rm IMAGE...", nil
	pl := newPullCmd(opts)
	cmd.AddCommand(ls, rm, pl, newImageInspectCmd(opts), newImagePruneCmd(opts), newImageImportCmd(opts),
		newImageExportCmd(opts), newImageUnpackCmd(opts), newImageTagCmd(opts))
	return cmd
}

// inspectView is what `skiff image inspect` prints.
type inspectView struct {
	Name     string          `json:"name"`
	ID       v1.Hash         `json:"id"`
	Digest   v1.Hash         `json:"digest"`
	Size     int64           `json:"size"`
	Layers   []store.Layer   `json:"layers"`
	History  []v1.History    `json:"history"`
	Config   v1.Config       `json:"config"`
	Created  time.Time       `json:"created"`
	Platform string          `json:"platform"`
	Manifest json.RawMessage `json:"manifest,omitempty"`
}

func newImageInspectCmd(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "inspect IMAGE...",
		Short: "Show images' config, layers and history as JSON",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := imageStore(opts)
			if err != nil {
				return err
			}
			var views []inspectView
			for _, a := range args {
				img, err := st.Get(a)
				if err != nil {
					return err
				}
				layers, err := img.Layers()
				if err != nil {
					return err
				}
				views = append(views, inspectView{Name: img.Name, ID: img.ID(), Digest: img.Digest, Size: img.Size(),
					Layers: layers, History: img.Config.History, Config: img.Config.Config, Created: img.Config.Created.Time,
					Platform: img.Config.OS + "/" + img.Config.Architecture})
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(views)
		},
	}
}

func newImagePruneCmd(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "prune",
		Short: "Delete blobs and unpacked layers that no image or container uses",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := imageStore(opts)
			if err != nil {
				return err
			}
			rep, err := st.Prune()
			if err != nil {
				return err
			}
			snap, err := snapshot.New(opts.dataDir, st, opts.log)
			if err != nil {
				return err
			}
			srep, err := snap.Prune(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted %d blobs (%s), %d unpacked layers\n", len(rep.Blobs), humanSize(rep.Bytes), len(srep.Layers))
			return nil
		},
	}
}

func newImageImportCmd(opts *globalOptions) *cobra.Command {
	var format, busyboxPath string
	var busybox bool
	cmd := &cobra.Command{
		Use:   "import [--format oci|docker-archive|rootfs] PATH [NAME] | --busybox",
		Short: "Import an OCI layout, a docker-archive tar or a root filesystem; or build busybox:latest",
		Long: `Import images from files. The format is detected: a directory or tar with an
oci-layout file is an OCI layout, a tar with manifest.json a docker-archive
(docker save), anything else a root filesystem (docker import; NAME required).

  skiff image import --busybox            # busybox:latest from the host's /bin/busybox
  skiff image import ./layout busybox     # OCI layout whose index names tags only
  skiff image import saved.tar            # docker save output
  docker save app | skiff image import -  # PATH "-" reads standard input
  skiff image import ./rootfs mybase:1`,
		Args: cobra.RangeArgs(0, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := imageStore(opts)
			if err != nil {
				return err
			}
			if busybox {
				if len(args) > 0 {
					return errors.New("--busybox: takes no PATH or NAME")
				}
				img, err := importer.Busybox(cmd.Context(), st, busyboxPath, opts.log)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", ref.Short(img.Name), img.ID())
				return nil
			}
			if len(args) == 0 {
				return errors.New("import: give a PATH (or --busybox)")
			}
			o := importer.Options{Format: importer.Format(format)}
			if len(args) == 2 {
				o.Name = args[1]
			}
			path := args[0]
			if path == "-" {
				tmp, err := stdinToFile(cmd.InOrStdin())
				if err != nil {
					return err
				}
				defer os.Remove(tmp)
				path = tmp
			}
			imgs, err := importer.Import(cmd.Context(), st, path, o)
			for _, img := range imgs {
				fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", ref.Short(img.Name), img.ID())
			}
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "input format: oci, docker-archive or rootfs (default: detect)")
	cmd.Flags().BoolVar(&busybox, "busybox", false, "build busybox:latest from the host's static busybox")
	cmd.Flags().StringVar(&busyboxPath, "busybox-path", importer.HostBusybox, "static busybox binary for --busybox")
	return cmd
}

func newImageExportCmd(opts *globalOptions) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "export [--format oci|oci-archive|docker-archive] IMAGE DEST",
		Short: "Export an image to an OCI layout (directory or tar) or a docker-archive tar",
		Long: `Export an image. An OCI layout (a directory; the image is added to it, named
by its tag) is read by skopeo (oci:DEST:TAG) and umoci (--image DEST:TAG); an
oci-archive by skopeo (oci-archive:DEST:TAG); a docker-archive tar by docker
load and skopeo (docker-archive:DEST); DEST "-" writes it to stdout.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, img, err := storeImage(opts, args[0])
			if err != nil {
				return err
			}
			switch importer.Format(format) {
			case importer.FormatOCI:
				return importer.ExportOCI(st, img, args[1])
			case importer.FormatOCIArchive:
				return importer.ExportOCIArchive(cmd.Context(), st, img, args[1])
			case importer.FormatDockerArchive:
				if args[1] == "-" {
					return importer.WriteDockerArchive(st, img, cmd.OutOrStdout())
				}
				return importer.ExportDockerArchive(st, img, args[1])
			}
			return fmt.Errorf("--format %q: use oci, oci-archive or docker-archive", format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "oci", "output format: oci, oci-archive or docker-archive")
	return cmd
}

func newImageUnpackCmd(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "unpack IMAGE DIR",
		Short: "Unpack an image's layers, flattened, into DIR (like umoci unpack's rootfs)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, img, err := storeImage(opts, args[0])
			if err != nil {
				return err
			}
			if ents, err := os.ReadDir(args[1]); err == nil && len(ents) > 0 {
				return fmt.Errorf("unpack %s: %s is not empty; give a new or empty directory", args[0], args[1])
			}
			return importer.ExportRootfs(cmd.Context(), st, img, args[1])
		},
	}
}

func newImageTagCmd(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "tag IMAGE NAME",
		Short: "Give an image another name",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, img, err := storeImage(opts, args[0])
			if err != nil {
				return err
			}
			return st.TagImage(args[1], img)
		},
	}
}

// stdinToFile copies r (an image on standard input) to a temporary file,
// since the formats need to be read more than once.
func stdinToFile(r io.Reader) (string, error) {
	f, err := os.CreateTemp("", "skiff-import-*.tar")
	if err != nil {
		return "", fmt.Errorf("import -: %w", err)
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("import -: %w", err)
	}
	return f.Name(), nil
}
