#!/bin/bash

echo "Testing Bulk Product Check"

# Create request with multiple product IDs
cat > /tmp/bulk_request.json <<EOF
{
    "productIds": ["123", "456", "789", "101", "202", "303", "404", "505"]
}
EOF

response=$(curl -s -X POST \
    -H "Content-Type: application/json" \
    -d @/tmp/bulk_request.json \
    http://localhost:8000/api/v1/products/bulk-check)

echo "$response" | jq '.results | length' | {
    read count
    if [ "$count" -gt 0 ]; then
        echo "✓ Bulk check returned $count results"
    else
        echo "✗ Bulk check failed"
    fi
}
