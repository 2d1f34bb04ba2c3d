#!/bin/sh
# Send a webhook body to a LabelOps receiver the way the tool does.
#   send_webhook.sh labelstudio URL CONNECTOR_ID SECRET FILE
#   send_webhook.sh labelbox    URL CONNECTOR_ID SECRET FILE [TOPIC]
set -eu
tool=$1 url=$2 id=$3 secret=$4 file=$5 topic=${6:-LABEL_CREATED}
case $tool in
labelstudio)
    # Label Studio: the webhook's custom header carries the connector's secret.
    curl -sS -X POST "$url/hooks/labelstudio/$id" \
        -H "Authorization: Token $secret" -H "Content-Type: application/json" --data-binary "@$file" ;;
labelbox)
    # Labelbox: X-Hub-Signature is sha1= and the HMAC-SHA1 of the raw body, keyed with the secret.
    signature="sha1=$(openssl dgst -sha1 -hmac "$secret" < "$file" | sed 's/^.* //')"
    curl -sS -X POST "$url/hooks/labelbox/$id" \
        -H "X-Labelbox-Event: $topic" -H "X-Hub-Signature: $signature" -H "Content-Type: application/json" \
        --data-binary "@$file" ;;
*)
    echo "error: tool must be labelstudio or labelbox, got '$tool'" >&2; exit 2 ;;
esac
