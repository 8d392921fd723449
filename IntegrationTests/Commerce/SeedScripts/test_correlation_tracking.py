import requests
import uuid

def test_correlation_id_propagation():
    """Verify correlation ID propagates through all services"""

    correlation_id = str(uuid.uuid4())
    headers = {"X-Correlation-Id": correlation_id}

    response = requests.get(
        "http://localhost:8000/api/v1/products/123",
        headers=headers
    )

    # Check if correlation ID is returned
    response_correlation = response.headers.get("X-Correlation-Id")
    assert response_correlation == correlation_id
    print(f"✓ Correlation ID preserved: {correlation_id}")

    # Check service logs for correlation ID
    # This would require log parsing or log aggregation service
    print(f"Check logs for correlation ID: {correlation_id}")

if __name__ == "__main__":
    test_correlation_id_propagation()
