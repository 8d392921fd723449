#!/bin/bash
PRODUCT_ID=123

echo "Testing Product Query for ID: $PRODUCT_ID"
response=$(curl -s -w "\n%{http_code}" http://localhost:8000/api/v1/products/$PRODUCT_ID)
http_code=$(echo "$response" | tail -n1)
body=$(echo "$response" | sed '$d')

if [ "$http_code" -eq 200 ]; then
    echo "✓ Product query successful"
    echo "Response: $body"

    # Verify response contains data from both services
    echo "$body" | jq '.inventory' > /dev/null && echo "✓ Inventory data present"
    echo "$body" | jq '.pricing' > /dev/null && echo "✓ Pricing data present"
else
    echo "✗ Product query failed with status: $http_code"
    echo "Response: $body"
fi
