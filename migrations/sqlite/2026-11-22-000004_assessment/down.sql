DROP TABLE review_requests;
DROP TABLE decision_notices;
DROP TABLE decisions;
DROP TABLE ip_consultations;
DROP TABLE article10_assessments;
DROP TABLE capacity_answer_evidence;
DROP TABLE capacity_answers;
DROP TABLE capacity_assessments;
