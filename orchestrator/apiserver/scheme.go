package apiserver

import (
	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
)

// Scheme knows every Go type the server speaks: the k8s.io/api types of
// the served groups plus the meta types (Status, Table, lists, watch
// events, discovery documents).
var Scheme = newScheme()

// Codecs builds the serializers (JSON, YAML, protobuf) for Scheme.
var Codecs = serializer.NewCodecFactory(Scheme)

var schemeAdders = []func(*runtime.Scheme) error{
	corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, rbacv1.AddToScheme,
	schedulingv1.AddToScheme, networkingv1.AddToScheme, storagev1.AddToScheme,
	coordinationv1.AddToScheme, discoveryv1.AddToScheme, autoscalingv1.AddToScheme,
	autoscalingv2.AddToScheme, eventsv1.AddToScheme, policyv1.AddToScheme,
	authorizationv1.AddToScheme, authenticationv1.AddToScheme, apidiscoveryv2.AddToScheme,
	metav1.AddMetaToScheme,
}

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range schemeAdders {
		if err := add(s); err != nil {
			panic(err) // a programming error: the type lists above conflict
		}
	}
	metav1.AddToGroupVersion(s, schema.GroupVersion{Version: "v1"})
	metav1.AddToGroupVersion(s, metav1.SchemeGroupVersion) // options and watch events as meta.k8s.io/v1
	return s
}

// Decoders for request bodies. The strict ones report unknown and
// duplicate fields (fieldValidation=Strict and Warn).
var (
	jsonDecoder       = json.NewSerializerWithOptions(json.DefaultMetaFactory, Scheme, Scheme, json.SerializerOptions{})
	jsonStrictDecoder = json.NewSerializerWithOptions(json.DefaultMetaFactory, Scheme, Scheme, json.SerializerOptions{Strict: true})
	yamlDecoder       = json.NewSerializerWithOptions(json.DefaultMetaFactory, Scheme, Scheme, json.SerializerOptions{Yaml: true})
	yamlStrictDecoder = json.NewSerializerWithOptions(json.DefaultMetaFactory, Scheme, Scheme, json.SerializerOptions{Yaml: true, Strict: true})
	protoDecoder      = protobuf.NewSerializer(Scheme, Scheme)
	storageCodec      = json.NewSerializerWithOptions(json.DefaultMetaFactory, Scheme, Scheme, json.SerializerOptions{})
)
