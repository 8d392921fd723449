import requests
import time

def test_async_report_generation():
    """Test async report generation workflow"""

    # Submit report generation request
    report_request = {
        "reportType": "inventory_summary",
        "startDate": "2024-01-01",
        "endDate": "2024-12-31"
    }

    response = requests.post(
        "http://localhost:8000/api/v1/reports/generate",
        json=report_request
    )

    assert response.status_code == 202
    job = response.json()
    job_id = job["jobId"]
    print(f"Report job submitted: {job_id}")

    # Poll for completion
    max_attempts = 30
    for i in range(max_attempts):
        status_response = requests.get(
            f"http://localhost:8000/api/v1/reports/status/{job_id}"
        )

        status = status_response.json()
        print(f"Status: {status['status']}")

        if status["status"] == "completed":
            print(f"✓ Report generated successfully")
            return status["result"]
        elif status["status"] == "failed":
            print(f"✗ Report generation failed: {status.get('error')}")
            return None

        time.sleep(2)

    print(f"✗ Report generation timed out")
    return None

if __name__ == "__main__":
    test_async_report_generation()
