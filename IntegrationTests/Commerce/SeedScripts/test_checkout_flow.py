import requests
import json
import time

def test_successful_checkout():
    """Test successful order checkout"""
    order_data = {
        "items": [
            {"productId": "123", "quantity": 2},
            {"productId": "456", "quantity": 1}
        ],
        "customerId": "cust-789"
    }

    response = requests.post(
        "http://localhost:8000/api/v1/orders",
        json=order_data
    )

    assert response.status_code == 201
    order = response.json()
    assert "orderId" in order
    assert "total" in order
    print(f"✓ Successful checkout: {order['orderId']}")

def test_checkout_with_insufficient_stock():
    """Test checkout failure due to insufficient stock"""
    order_data = {
        "items": [
            {"productId": "123", "quantity": 9999}
        ],
        "customerId": "cust-789"
    }

    response = requests.post(
        "http://localhost:8000/api/v1/orders",
        json=order_data
    )

    assert response.status_code == 400
    error = response.json()
    assert "error" in error
    print(f"✓ Correctly handled insufficient stock")

if __name__ == "__main__":
    test_successful_checkout()
    test_checkout_with_insufficient_stock()
